"""Escalation-method categories: "new-passrole" means the holder passes a role (iam:PassRole);
a method that only runs as a role an existing resource already has is "existing-passrole", which
lint_risk reports as a pointer (LOW, needs_existing_role_only) rather than direct escalation."""

from __future__ import annotations

import pytest

from bot.iam.catalogue import default_catalogue
from bot.iam.lint_model import PRIVILEGE_ESCALATION
from bot.iam.linter import lint_policy
from bot.iam.privesc_methods import load_methods, methods_by_id
from bot.model.severity import Severity


def test_every_new_passrole_method_passes_a_role() -> None:
    """The converse of test_privesc_methods' PassRole methods being new-passrole ones."""
    without = [m.id for m in load_methods() if m.category == "new-passrole" and not m.passes_role]
    assert without == []


def test_change_set_method_is_through_an_existing_role_like_update_stack() -> None:
    methods = methods_by_id()
    change_set, update_stack = methods["cloudformation-005"], methods["cloudformation-002"]
    assert not change_set.passes_role
    assert change_set.category == update_stack.category == "existing-passrole"
    assert change_set.requires


@pytest.mark.parametrize(
    "actions",
    [
        ["cloudformation:CreateChangeSet", "cloudformation:ExecuteChangeSet"],
        ["cloudformation:UpdateStack"],
    ],
)
def test_lint_reports_existing_role_escalation_as_a_low_pointer(actions: list[str]) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
    }
    findings = lint_policy(document, catalogue=default_catalogue(), capabilities=True)
    (escalation,) = [f for f in findings if f.code == PRIVILEGE_ESCALATION]
    assert escalation.detail["needs_existing_role_only"] is True
    assert escalation.detail["categories"] == ["existing-passrole"]
    assert escalation.severity is Severity.LOW
