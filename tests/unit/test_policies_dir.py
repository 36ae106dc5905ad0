"""The policy templates shipped in policies/: lint-clean, and described by catalogue.json."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.audit.findings import Severity
from bot.iam.catalogue import default_catalogue
from bot.iam.linter import lint_policy

POLICIES = Path(__file__).resolve().parents[2] / "policies"
CATALOGUE_FILE = POLICIES / "catalogue.json"
REQUIRED_FIELDS = ("name", "description", "purpose", "file")


def _catalogue() -> dict[str, Any]:
    return json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))


def _policy_files() -> list[Path]:
    return sorted(p for p in POLICIES.glob("*.json") if p != CATALOGUE_FILE)


def test_there_are_templates() -> None:
    names = {p.name for p in _policy_files()}
    assert {
        "s3-read-example-bucket.json",
        "mfa-self-service-enforce.json",
        "deny-without-mfa-admins.json",
    } <= names


@pytest.mark.parametrize("path", _policy_files(), ids=lambda p: p.name)
def test_every_template_is_lint_clean(path: Path) -> None:
    entry = {e["file"]: e for e in _catalogue()["policies"]}[path.name]
    findings = lint_policy(
        path.read_text(encoding="utf-8"),
        catalogue=default_catalogue(),
        policy_type=entry.get("policy_type", "identity"),
    )
    serious = [f for f in findings if f.severity.rank >= Severity.MEDIUM.rank]
    assert serious == [], [f.message for f in serious]


def test_catalogue_lists_exactly_the_files() -> None:
    entries = _catalogue()["policies"]
    listed = [e["file"] for e in entries]
    assert len(listed) == len(set(listed)), "a file is listed twice"
    assert sorted(listed) == [p.name for p in _policy_files()]


def test_catalogue_entries_are_complete_and_unique() -> None:
    data = _catalogue()
    assert data["schema"] == "iam-audit/policy-catalogue/1"
    names = [e["name"] for e in data["policies"]]
    assert len(names) == len(set(names))
    for entry in data["policies"]:
        for field in REQUIRED_FIELDS:
            assert isinstance(entry.get(field), str), (entry.get("name"), field)
            assert entry[field].strip(), (entry.get("name"), field)
        assert entry["file"] == f"{entry['name']}.json"
        assert entry.get("policy_type", "identity") in ("identity", "boundary", "scp")


def test_mfa_templates_deny_without_mfa_but_allow_enrolment() -> None:
    from bot.iam.lint_mfa import MFA_ENROLMENT_ACTIONS, denied_actions, denies_without_mfa
    from bot.iam.policy import parse_policy

    for name in ("mfa-self-service-enforce.json", "deny-without-mfa-admins.json"):
        policy = parse_policy((POLICIES / name).read_text(encoding="utf-8"), name=name)
        guards = [s for s in policy.statements if denies_without_mfa(s)]
        assert guards, f"{name} must deny requests without MFA"
        for guard in guards:
            denied = denied_actions(guard, default_catalogue())
            assert "s3:GetObject" in denied
            assert not denied & set(MFA_ENROLMENT_ACTIONS)


def test_corrected_s3_template_fixes_the_origin_example() -> None:
    data = json.loads((POLICIES / "s3-read-example-bucket.json").read_text(encoding="utf-8"))
    by_action = {s["Action"]: s["Resource"] for s in data["Statement"]}
    assert by_action == {
        "s3:ListBucket": "arn:aws:s3:::example-bucket",
        "s3:GetObject": "arn:aws:s3:::example-bucket/*",
    }
