"""The JSON renderer is the public report shape, round-trippable and stable."""

from __future__ import annotations

import json

from bot.audit.report import REPORT_SCHEMA, Report
from bot.render.json_report import render_json
from tests.unit.test_render_common import HOSTILE, sample_catalogue, sample_report


def test_json_is_the_report_dict() -> None:
    report = sample_report()
    out = render_json(report, catalogue=sample_catalogue())
    data = json.loads(out)
    assert data == json.loads(json.dumps(report.to_dict()))
    assert data["schema"] == REPORT_SCHEMA
    assert list(data)[:4] == ["schema", "account_id", "generated_at", "source"]
    assert data["summary"] == {"critical": 1, "high": 2, "medium": 1, "low": 1, "info": 1}
    assert data["skipped"] == [
        {"check_id": "root.hardware_mfa_missing", "reason": "needs the virtual MFA devices"}
    ]
    assert data["suppressed"]["count"] == 1


def test_json_round_trips_through_report_from_dict() -> None:
    report = sample_report()
    again = Report.from_dict(json.loads(render_json(report, catalogue={})))
    assert again.findings == report.findings
    assert any(f.detail == HOSTILE for f in again.findings)


def test_output_is_stable() -> None:
    first = render_json(sample_report(), catalogue={})
    assert first == render_json(sample_report(), catalogue={})
    assert first.endswith("}\n")


def test_each_finding_sits_on_its_own_line() -> None:
    report = sample_report()
    lines = render_json(report, catalogue={}).splitlines()
    finding_lines = [line for line in lines if line.lstrip().startswith('{"check_id"')]
    assert len(finding_lines) == len(report.findings)
    assert [json.loads(line.strip().rstrip(","))["check_id"] for line in finding_lines] == [
        f.check_id for f in report.findings
    ]
