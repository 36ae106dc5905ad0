"""The architecture rule of design.md: pure modules never import I/O libraries."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = (
    "bot/audit",
    "bot/iam",
    "bot/render",
    "bot/approvals",
    "bot/remediation",
    "bot/digest",
    "bot/rightsize",
)
PURE_FILES = (
    "bot/slack/blocks.py",
    "bot/slack/approval_blocks.py",
    "bot/slack/digest_blocks.py",
    "bot/mfa_campaign/plan.py",
    "bot/mfa_campaign/messages.py",
)
OWNERS = {
    "boto3": ("bot/aws/",),
    "botocore": ("bot/aws/",),
    "moto": ("bot/aws/demo.py", "bot/aws/demo_account.py"),
    "redis": ("bot/store/",),
    "rq": ("bot/store/", "bot/queue.py"),
    "apscheduler": ("bot/scheduler.py",),
    "slack_bolt": ("bot/app.py", "bot/slack/", "commands/"),
    "slack_sdk": ("bot/app.py", "bot/slack/", "commands/"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def _source_files() -> list[Path]:
    files = [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("commands").rglob("*.py")]
    return sorted(files)


@pytest.mark.parametrize("path", _source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_io_libraries_are_imported_only_by_their_adapters(path: Path) -> None:
    relative = path.relative_to(ROOT).as_posix()
    for library, owners in OWNERS.items():
        if library in _imports(path):
            assert relative.startswith(owners), f"{relative} imports {library}"


def test_pure_core_reads_no_environment_or_clock() -> None:
    offenders = []
    pure = [p for pkg in PURE_PACKAGES for p in ROOT.joinpath(pkg).rglob("*.py")]
    pure += [ROOT / f for f in PURE_FILES if (ROOT / f).exists()]
    for path in pure:
        text = path.read_text(encoding="utf-8")
        for forbidden in ("os.environ", "datetime.now(", "datetime.utcnow(", "time.time("):
            if forbidden in text:
                offenders.append(f"{path.relative_to(ROOT)}: {forbidden}")
    assert offenders == []
