"""The CSV renderer: one row per finding, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json

import pytest

from bot.render.csv_report import COLUMNS, render_csv, spreadsheet_safe
from tests.unit.test_render_common import ACCOUNT, sample_catalogue, sample_report


def _rows() -> list[dict[str, str]]:
    out = render_csv(sample_report(), catalogue=sample_catalogue())
    return list(csv.DictReader(io.StringIO(out)))


def test_header_and_one_row_per_finding() -> None:
    out = render_csv(sample_report(), catalogue=sample_catalogue())
    assert out.splitlines()[0] == ",".join(COLUMNS)
    rows = _rows()
    assert len(rows) == len(sample_report().findings)
    assert rows[0]["check_id"] == "root.mfa_disabled"
    assert rows[0]["severity"] == "critical"
    assert rows[0]["resource_arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert rows[0]["remediation"] == "Fix root.mfa_disabled"


def test_evidence_is_compact_json() -> None:
    evidence = json.loads(_rows()[0]["evidence"])
    assert evidence == {"keys": [1, 2], "password_last_used": "2026-01-01T00:00:00+00:00"}


def test_newlines_and_pipes_survive_quoting() -> None:
    hostile = next(r for r in _rows() if "second line" in r["detail"])
    assert hostile["detail"].startswith("a|b `tick` <img src=x>")
    assert "\n" in hostile["detail"]
    assert "\x1b" not in hostile["detail"]


@pytest.mark.parametrize("value", ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx"])
def test_formula_like_cells_are_defused(value: str) -> None:
    assert spreadsheet_safe(value) == "'" + value


def test_ordinary_cells_are_unchanged() -> None:
    assert spreadsheet_safe("arn:aws:iam::1:user/a") == "arn:aws:iam::1:user/a"


def test_empty_report_is_only_the_header() -> None:
    out = render_csv(sample_report(with_findings=False), catalogue={})
    assert out == ",".join(COLUMNS) + "\n"
