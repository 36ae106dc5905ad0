"""Architecture rules beside the import contracts (pyproject.toml, checked by `lint-imports`).

Which package may import which library is import-linter's job now; what stays here is what an
import graph cannot see (the pure core reads no environment or clock), and proof that the custom
file-level cycle contract finds a cycle.
"""

from __future__ import annotations

from pathlib import Path

import grimp

from tests.architecture.contracts import import_cycles

ROOT = Path(__file__).resolve().parents[2]
PURE_PACKAGES = (
    "bot/model",
    "bot/audit",
    "bot/iam",
    "bot/render",
    "bot/remediation",
    "bot/rightsize",
)
PURE_FILES = (
    "bot/digest/content.py",
    "bot/digest/chart.py",
    "bot/digest/schedule.py",
    "bot/approvals/model.py",
    "bot/approvals/rules.py",
    "bot/approvals/catalogue.py",
    "bot/approvals/journal.py",
    "bot/approvals/desk.py",
    "bot/organizations/summary.py",
    "bot/slack/blocks.py",
    "bot/slack/approval_blocks.py",
    "bot/slack/digest_blocks.py",
    "bot/mfa_campaign/plan.py",
    "bot/mfa_campaign/messages.py",
)


def test_pure_core_reads_no_environment_or_clock() -> None:
    offenders = []
    pure = [p for pkg in PURE_PACKAGES for p in ROOT.joinpath(pkg).rglob("*.py")]
    pure += [ROOT / f for f in PURE_FILES]
    assert all(p.exists() for p in pure)
    for path in pure:
        text = path.read_text(encoding="utf-8")
        for forbidden in ("os.environ", "datetime.now(", "datetime.utcnow(", "time.time("):
            if forbidden in text:
                offenders.append(f"{path.relative_to(ROOT)}: {forbidden}")
    assert offenders == []


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        graph.add_import(importer=importer, imported=imported)
    return graph


def test_the_cycle_contract_finds_a_cycle_across_packages() -> None:
    graph = _graph(("a.x", "b.y"), ("b.y", "c.z"), ("c.z", "a.x"), ("a.x", "d.w"))
    assert import_cycles(graph, set()) == [["a.x", "b.y", "c.z"]]


def test_the_cycle_contract_skips_an_ignored_import_and_sees_acyclic_graphs() -> None:
    graph = _graph(("a.x", "b.y"), ("b.y", "a.x"), ("a.x", "c.z"))
    assert import_cycles(graph, {("b.y", "a.x")}) == []
    assert import_cycles(_graph(("a", "b"), ("b", "c"), ("a", "c")), set()) == []


def test_the_project_has_no_file_level_cycle_but_the_check_registry() -> None:
    graph = grimp.build_graph("bot", "commands")
    assert import_cycles(graph, {("bot.audit.registry", "bot.audit.checks")}) == []
