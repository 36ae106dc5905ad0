"""`iam-audit checks`: the published catalogue, and the README table that must match it."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest

from bot import cli
from bot.audit.config import DEFAULT_THRESHOLDS, audit_config_from_dict
from bot.audit.registry import all_checks
from bot.render.catalogue import render_catalogue

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN = "<!-- BEGIN check-catalogue (generated: iam-audit checks --format markdown) -->"
END = "<!-- END check-catalogue -->"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_checks_json_lists_every_registered_check(capsys) -> None:
    code, out, err = run_cli(capsys, "checks", "--format", "json")
    assert code == 0
    assert err == ""
    data = json.loads(out)
    assert [item["id"] for item in data] == sorted(all_checks())
    first = data[0]
    for key in ("id", "severity", "title", "anchors", "permissions", "risk", "remediation"):
        assert key in first
    assert all(item["remediation"] and item["risk"] for item in data)


def test_checks_text_default(capsys) -> None:
    code, out, _ = run_cli(capsys, "checks")
    assert code == 0
    for check_id in all_checks():
        assert re.search(rf"^{re.escape(check_id)}  \[", out, flags=re.MULTILINE), check_id


def test_checks_markdown_to_a_file(capsys, tmp_path: Path) -> None:
    target = tmp_path / "catalogue.md"
    code, out, _ = run_cli(capsys, "checks", "-f", "markdown", "-o", str(target))
    assert code == 0
    assert out == ""
    table = target.read_text(encoding="utf-8")
    assert table.startswith("| Check | Severity | What it finds | Prowler | CIS |")


def test_checks_refuses_sarif(capsys) -> None:
    code, out, err = run_cli(capsys, "checks", "--format", "sarif")
    assert code == 2
    assert out == ""
    assert "invalid choice: 'sarif'" in err


def test_readme_catalogue_is_in_sync_with_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    assert BEGIN in text
    assert END in text
    published = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    expected = render_catalogue([c.meta for c in all_checks().values()], "markdown").strip()
    assert published == expected, (
        "README.md's check catalogue is out of date: regenerate it with "
        "`.venv/bin/python -m tests.integration.test_cli_checks` (it pastes the output of "
        "`iam-audit checks --format markdown` between the check-catalogue markers)"
    )


def regenerate_readme_catalogue() -> None:
    """Rewrite the README's catalogue section from the registry (run this module as a script)."""
    text = README.read_text(encoding="utf-8")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    table = render_catalogue([c.meta for c in all_checks().values()], "markdown")
    README.write_text(f"{head}{BEGIN}\n{table}{END}{tail}", encoding="utf-8")


def test_readme_policy_grants_every_permission_the_checks_declare() -> None:
    text = README.read_text(encoding="utf-8")
    section = text.split("### Permissions it needs", 1)[1]
    policy = json.loads(section.split("```json", 1)[1].split("```", 1)[0])
    granted = {action for s in policy["Statement"] for action in s["Action"]}
    declared = {p for c in all_checks().values() for p in c.meta.permissions}
    assert declared - granted == set(), "add these actions to the README's minimal policy"


def test_readme_config_example_is_valid_and_shows_the_defaults() -> None:
    text = README.read_text(encoding="utf-8")
    example = text.split("## Configuration", 1)[1].split("```toml", 1)[1].split("```", 1)[0]
    data = tomllib.loads(example)
    config = audit_config_from_dict(data, known_checks=set(all_checks()))
    assert data["thresholds"] == DEFAULT_THRESHOLDS
    assert config.suppressions
    assert all(s.reason for s in config.suppressions)


if __name__ == "__main__":
    regenerate_readme_catalogue()
