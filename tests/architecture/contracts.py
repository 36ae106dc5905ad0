"""A custom import-linter contract: no import cycle between files, however long.

import-linter's own `acyclic_siblings` compares packages, and concept packages here legitimately
span rings (bot.approvals holds pure rules and their wiring), so package-level cycles are not the
rule; a cycle between *files* is. Every import counts, including ones inside functions.
"""

from __future__ import annotations

from grimp import ImportGraph
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


class AcyclicModulesContract(Contract):
    """Configuration: ``ignore_imports`` (``importer -> imported`` pairs that may close a cycle)."""

    type_name = "acyclic_modules"

    ignore_imports = fields.SetField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        ignored = {
            tuple(part.strip() for part in str(item).split("->"))
            for item in (self.ignore_imports or ())  # type: ignore[attr-defined]
        }
        cycles = import_cycles(graph, ignored)
        return ContractCheck(kept=not cycles, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for cycle in check.metadata["cycles"]:
            output.print_error(" -> ".join([*cycle, cycle[0]]))
            output.new_line()


def import_cycles(graph: ImportGraph, ignored: set[tuple[str, ...]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan, iterative), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def edges(module: str) -> list[str]:
        return sorted(
            m for m in graph.find_modules_directly_imported_by(module) if (module, m) not in ignored
        )

    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(edges(root)))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges(child))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)
