"""The check catalogue renderer behind `iam-audit checks` and the README's table."""

from __future__ import annotations

import json

import pytest

from bot.audit.findings import Severity
from bot.model.errors import InputError
from bot.render.catalogue import anchor_columns, render_catalogue
from tests.unit.test_render_common import meta


def _metas():
    return [
        meta("user.inactive", Severity.MEDIUM, anchors=("Security Hub IAM.8", "seed's Lambda")),
        meta(
            "root.access_key_present",
            Severity.CRITICAL,
            anchors=("Prowler iam_no_root_access_key", "CIS 1.3", "SH IAM.4", "ScoutSuite"),
            permissions=("iam:GenerateCredentialReport", "iam:GetCredentialReport"),
        ),
        meta("role.trust_any_principal", Severity.CRITICAL, anchors=(), permissions=()),
    ]


def test_anchor_columns_split_by_benchmark() -> None:
    columns = anchor_columns(
        [
            "Prowler iam_no_root_access_key",
            "CIS 1.3",
            "SH IAM.4",
            "Security Hub IAM.9",
            "ScoutSuite",
            "AWS Config",
            "CISCO 1",
        ]
    )
    assert columns["Prowler"] == ["iam_no_root_access_key"]
    assert columns["CIS"] == ["1.3"]
    assert columns["Security Hub"] == ["IAM.4", "IAM.9"]
    assert columns["ScoutSuite"] == ["yes"]
    assert columns["Other"] == ["AWS Config", "CISCO 1"]


def test_markdown_table_rows_sorted_with_coverage_and_permissions() -> None:
    out = render_catalogue(_metas(), "markdown")
    lines = out.splitlines()
    assert lines[0] == (
        "| Check | Severity | What it finds | Prowler | CIS | Security Hub | ScoutSuite | Other |"
    )
    rows = [line for line in lines[2:] if line.startswith("|")]
    assert [row.split("|")[1].strip() for row in rows] == [
        "`role.trust_any_principal`",
        "`root.access_key_present`",
        "`user.inactive`",
    ]
    assert "| iam\\_no\\_root\\_access\\_key | 1.3 | IAM.4 | yes |  |" in rows[1]
    assert "3 checks; checks with an anchor in each benchmark: Prowler 1, CIS 1, " in out
    assert "Security Hub 2, ScoutSuite 1." in out
    assert "- `iam:GenerateCredentialReport`" in out


def test_json_catalogue_has_every_field() -> None:
    data = json.loads(render_catalogue(_metas(), "json"))
    assert [item["id"] for item in data] == sorted(m.id for m in _metas())
    assert set(data[0]) >= {
        "id",
        "severity",
        "title",
        "anchors",
        "permissions",
        "risk",
        "remediation",
    }


def test_text_catalogue() -> None:
    out = render_catalogue(_metas(), "text")
    assert "root.access_key_present  [critical]  Title of root.access_key_present" in out
    assert "    permissions: iam:GenerateCredentialReport, iam:GetCredentialReport" in out
    assert "    remediation: Fix user.inactive" in out
    assert render_catalogue([], "text") == "No checks registered.\n"


def test_unknown_format() -> None:
    with pytest.raises(InputError, match="unknown format 'sarif'"):
        render_catalogue(_metas(), "sarif")
