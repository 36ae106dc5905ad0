"""An account built by one of tests/data's builders from AWS's documentation, audited once.

The landing-zone, EKS, data-platform and small-company tests judge every finding of the full
audit on such an account; this holds what they share: loading the builder, the snapshot, the
audit report, the permission index and escalations (each worked out once per test module), and
the views the tests ask of the report.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

import pytest

from bot.audit.findings import Finding
from bot.audit.report import REPORT_SCHEMA, Report
from bot.clicmd._common import gaad_snapshot
from bot.iam.effective import PermissionIndex
from bot.iam.privesc import Escalation, find_escalations
from bot.model.snapshot import AccountSnapshot
from bot.render.json_report import render_json
from tests.factories import NOW, audit

DATA = Path(__file__).resolve().parent / "data"


def load_builder(name: str) -> ModuleType:
    """tests/data/build_<name>_gaad.py as a module (it is a script, not a package member)."""
    path = DATA / f"build_{name}_gaad.py"
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class AuditedAccount:
    """The builder's account (its files under tests/data/<name>/), audited at the fixed clock."""

    def __init__(self, name: str) -> None:
        self.builder = load_builder(name)
        self.fixtures = DATA / name

    def assert_fixtures_match_builder(self) -> None:
        """The files under tests/data/<name>/ are what the builder writes now (it reads the
        AWS-managed policies from the moto it names: another moto skips the comparison)."""
        if version("moto") != self.builder.MOTO_VERSION:
            pytest.skip(
                f"the builder reads AWS-managed policies from moto {self.builder.MOTO_VERSION}"
            )
        rendered = self.builder.render()
        assert sorted(rendered) == sorted(p.name for p in self.fixtures.iterdir())
        for name, text in rendered.items():
            assert (self.fixtures / name).read_text() == text, name

    @functools.cache  # noqa: B019 - one instance per test module, kept for its whole run
    def snapshot(self) -> AccountSnapshot:
        return gaad_snapshot(
            str(self.fixtures / self.builder.GAAD_FILE),
            credential_report_path=str(self.fixtures / self.builder.CREDENTIAL_REPORT_FILE),
            now=NOW,
        )

    @functools.cache  # noqa: B019
    def report(self) -> Report:
        return audit(self.snapshot())

    def assert_report_is_clean_json(self) -> None:
        """The full audit ran without errors and its JSON report is the public schema, naming
        the builder's account and every finding."""
        result = self.report()
        assert result.errors == ()
        data = json.loads(render_json(result, catalogue={}))
        assert data["schema"] == REPORT_SCHEMA
        assert data["account_id"] == self.builder.ACCT
        assert data["errors"] == []
        assert len(data["findings"]) == len(result.findings)

    @functools.cache  # noqa: B019
    def index(self) -> PermissionIndex:
        return PermissionIndex(self.snapshot(), NOW)

    @functools.cache  # noqa: B019
    def escalations(self) -> dict[str, Escalation]:
        return find_escalations(self.index())

    def found(self) -> dict[tuple[str, str], str]:
        """(check id, resource ARN) -> severity, for every finding of the audit."""
        result: dict[tuple[str, str], str] = {}
        for finding in self.report().findings:
            assert finding.key not in result, finding.key  # one finding per (check, resource)
            result[finding.key] = finding.severity.value
        return result

    def on(self, resource: str) -> dict[str, str]:
        """Check id -> severity of the findings on one resource."""
        return {check: sev for (check, arn), sev in self.found().items() if arn == resource}

    def by_check(self, check_id: str) -> dict[str, str]:
        """Resource ARN -> severity of one check's findings."""
        return {arn: sev for (check, arn), sev in self.found().items() if check == check_id}

    def finding(self, check_id: str, resource: str) -> Finding:
        """The one finding of ``check_id`` on ``resource``."""
        matches = [
            f
            for f in self.report().findings
            if f.check_id == check_id and f.resource_arn == resource
        ]
        assert len(matches) == 1, (check_id, resource, sorted(self.on(resource)))
        return matches[0]
