"""bench.audit_at ends as the console script does: output flushed, exit code kept, no teardown.

It used to end with sys.exit, which freed the whole heap object by object: about a second of
every `make bench --baseline-src` figure on the distinct account that `iam-audit` itself, which
ends with os._exit, never pays. Leaving early must not lose the report, the status line on
stderr or the exit code.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GAAD = ROOT / "tests" / "data" / "gaad_sample.json"


def _audit_at(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench.audit_at", "2026-12-04T12:00:00Z", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_report_and_status_line_survive_the_early_exit(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    done = _audit_at("audit", "--gaad", str(GAAD), "-f", "json", "-o", str(output))
    assert done.returncode == 0, done.stderr
    assert json.loads(output.read_text())["findings"]
    assert "written to" in done.stderr


def test_a_failing_exit_code_is_kept(tmp_path: Path) -> None:
    output = tmp_path / "report.json"
    done = _audit_at("audit", "--gaad", str(GAAD), "--fail-on", "low", "-o", str(output))
    assert done.returncode == 1, done.stderr
    assert output.read_text().strip()


def test_json_to_standard_output_is_flushed_whole() -> None:
    done = _audit_at("audit", "--gaad", str(GAAD), "-f", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["findings"]
