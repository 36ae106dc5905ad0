"""Audits in worker processes: same report as in-process, errors said, the pool recovers."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest

from bot.audit.config import AuditConfig
from bot.audit.engine import run_audit
from bot.aws.demo import build_demo_snapshot
from bot.model.errors import IamAuditError
from bot.runs.workers import ProcessAuditor, inline_auditor, report_json

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def snapshot():
    return build_demo_snapshot(NOW)


@pytest.fixture(scope="module")
def auditor():
    pool = ProcessAuditor(1)
    yield pool
    pool.shutdown()


def test_a_worker_process_makes_the_same_report_as_this_process(snapshot, auditor) -> None:
    here = run_audit(snapshot, now=NOW)
    there = auditor(snapshot, config=AuditConfig(), now=NOW, only=None)
    assert there.report.to_dict() == here.to_dict()
    assert json.loads(there.report_json) == json.loads(report_json(here))


def test_the_snapshot_can_cross_as_plain_data(snapshot, auditor) -> None:
    """What the bot sends when it made the snapshot's dict for the store anyway."""
    here = run_audit(snapshot, now=NOW)
    there = auditor(
        snapshot, config=AuditConfig(), now=NOW, only=None, snapshot_data=snapshot.to_dict()
    )
    assert there.report.to_dict() == here.to_dict()
    assert there.report_data == here.to_dict()


def test_only_some_checks_in_a_worker(snapshot, auditor) -> None:
    output = auditor(snapshot, config=AuditConfig(), now=NOW, only={"root.mfa_disabled"})
    assert output.report.checks == ("root.mfa_disabled",) or list(output.report.checks) == [
        "root.mfa_disabled"
    ]
    assert {f.check_id for f in output.report.findings} == {"root.mfa_disabled"}


def test_the_worker_runs_at_a_lower_priority(auditor) -> None:
    """Acks win the CPU: the worker's niceness is above this process's."""
    auditor.warm_up()
    pool = auditor._executor()
    niceness = pool.submit(os.nice, 0).result(timeout=60)
    assert niceness >= os.nice(0) + 1


def test_a_dead_worker_is_an_audit_error_and_the_next_audit_works(snapshot) -> None:
    pool = ProcessAuditor(1)
    try:
        pool.warm_up()
        executor = pool._executor()
        # A worker killed mid-way (the OOM killer does this) breaks the pool.
        with pytest.raises(Exception):  # noqa: B017, PT011 - BrokenProcessPool or SystemExit
            executor.submit(os._exit, 9).result(timeout=60)
        with pytest.raises(IamAuditError, match="stopped unexpectedly"):
            pool(snapshot, config=AuditConfig(), now=NOW, only=None)
        output = pool(snapshot, config=AuditConfig(), now=NOW, only=["root.mfa_disabled"])
        assert output.report.findings
    finally:
        pool.shutdown()


def test_after_shutdown_no_audit_starts(snapshot) -> None:
    pool = ProcessAuditor(1)
    pool.shutdown()
    with pytest.raises(IamAuditError, match="shutting down"):
        pool(snapshot, config=AuditConfig(), now=NOW, only=None)


def test_inline_auditor_leaves_the_json_to_the_caller(snapshot) -> None:
    output = inline_auditor(snapshot, config=AuditConfig(), now=NOW, only=["root.mfa_disabled"])
    assert output.report_json == ""
    assert output.report.findings


def test_a_process_auditor_needs_a_process() -> None:
    with pytest.raises(ValueError, match="at least one"):
        ProcessAuditor(0)


class _ExitsWhenUnpickled:
    """A snapshot blob whose loading kills the worker: it dies in the audit step itself."""

    def __reduce__(self):
        return (os._exit, (9,))


def test_a_worker_dying_in_the_audit_step_is_an_audit_error(snapshot) -> None:
    import pickle

    from bot.runs.workers import Collected

    pool = ProcessAuditor(1)
    try:
        doomed = Collected(pickle.dumps(_ExitsWhenUnpickled()), "x", None)
        with pytest.raises(IamAuditError, match="stopped unexpectedly"):
            pool.audit_collected(doomed, config=AuditConfig(), now=NOW, only=None, save_to=None)
        collected = pool.collect(snapshot, now=NOW, save_to=None)
        audited = pool.audit_collected(
            collected, config=AuditConfig(), now=NOW, only=["root.mfa_disabled"], save_to=None
        )
        assert pickle.loads(audited.report_blob).findings
    finally:
        pool.shutdown()


def test_unpickling_a_workers_bytes_leaves_the_gc_as_it_was() -> None:
    import gc
    import pickle

    from bot.runs.workers import unpickle

    blob = pickle.dumps({"findings": [{"n": i} for i in range(1000)]})
    before = gc.get_threshold()
    assert unpickle(blob)["findings"][999] == {"n": 999}
    assert gc.get_threshold() == before
    assert gc.isenabled()


def test_loads_at_once_restore_the_gc_thresholds_after_the_last() -> None:
    import gc
    import pickle
    from concurrent.futures import ThreadPoolExecutor

    from bot.runs.workers import unpickle

    blob = pickle.dumps([{"n": i, "tags": [i]} for i in range(20_000)])
    before = gc.get_threshold()
    with ThreadPoolExecutor(4) as pool:
        loaded = list(pool.map(unpickle, [blob] * 8))
    assert all(len(items) == 20_000 for items in loaded)
    assert gc.get_threshold() == before


def test_a_worker_ends_when_the_bot_that_started_it_is_killed(tmp_path) -> None:
    """A bot killed outright (SIGKILL, out of memory) left its audit workers running for good:
    each holds both ends of its task queue's pipe, so it never sees the bot go. They now watch
    their parent and end within a few seconds of it."""
    import signal
    import subprocess
    import sys

    from tests.process_support import alive, audit_workers_of, wait_for

    script = (
        "from bot.runs.workers import ProcessAuditor\n"
        "pool = ProcessAuditor(1)\n"
        "pool.warm_up()\n"
        "print('ready', flush=True)\n"
        "import time; time.sleep(600)\n"
    )
    bot = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert bot.stdout is not None
        assert bot.stdout.readline().strip() == "ready"
        workers = audit_workers_of(bot.pid)
        assert workers, "the pool started no worker"
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        assert wait_for(lambda: not any(alive(w) for w in workers), seconds=15)
    finally:
        if bot.poll() is None:
            bot.kill()
