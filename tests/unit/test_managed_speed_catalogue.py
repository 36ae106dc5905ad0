"""The catalogue builds full action records lazily; every answer is the eager catalogue's.

The reference is what the catalogue did before: every ActionInfo of a service built when the
service loads, and names, access levels and resource scoping read from those records.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam.catalogue import ACCESS_LEVELS, ActionCatalogue, ActionInfo, default_catalogue


def _eager_records(catalogue: ActionCatalogue) -> list[ActionInfo]:
    """Every ActionInfo, built the eager way (each service's records at once)."""
    infos: list[ActionInfo] = []
    for prefix in catalogue.services():
        service = catalogue._service(prefix)
        assert service is not None
        infos.extend(service.actions.values())
    return infos


@pytest.fixture(scope="module")
def eager() -> list[ActionInfo]:
    return _eager_records(ActionCatalogue())


def test_names_levels_and_scoping_are_the_records(eager: list[ActionInfo]) -> None:
    lazy = ActionCatalogue()
    assert lazy.all_actions() == {info.full_name for info in eager}
    for level in ACCESS_LEVELS:
        expected = {info.full_name for info in eager if info.access_level == level}
        assert lazy.actions_by_access_level(level) == expected
    assert lazy.resource_scoped_actions() == {i.full_name for i in eager if i.resource_types}
    # Nothing above needed a full record: none was built.
    assert all(service._actions is None for service in lazy._services.values())


def test_every_record_is_the_eager_one(eager: list[ActionInfo]) -> None:
    lazy = ActionCatalogue()
    for info in eager:
        assert lazy.action(info.full_name) == info
        assert lazy.action(info.full_name.upper()) == info


def _reference_expand(infos: list[ActionInfo], pattern: str) -> frozenset[str]:
    key = pattern.strip().lower()
    if key == "*":
        return frozenset(i.full_name for i in infos)
    prefix, sep, action_part = key.partition(":")
    if not sep or not prefix or not action_part:
        return frozenset()

    def glob(text: str) -> re.Pattern[str]:
        body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
        return re.compile(body + r"\Z", re.DOTALL)

    service_re, action_re = glob(prefix), glob(action_part)
    return frozenset(
        i.full_name
        for i in infos
        if service_re.match(i.service) and action_re.match(i.name.lower())
    )


_PATTERNS = st.builds(
    lambda service, name: f"{service}:{name}",
    st.sampled_from(["s3", "S3", "kms", "iam", "ec2", "s?", "k*", "*", "nosuch", ""]),
    st.sampled_from(["*", "Get*", "get*", "GetObject", "*Key*", "Pass?ole", "", "D*t", "?"]),
) | st.sampled_from(["*", "s3", "", " s3:Get* "])


@settings(max_examples=40, deadline=None)  # each example loads a fresh catalogue
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["expand", "action", "level", "scoped"]), _PATTERNS),
        min_size=1,
        max_size=6,
    )
)
def test_answers_do_not_depend_on_the_order_of_questions(eager, steps) -> None:
    """A fresh catalogue asked in any order answers as the eager records do."""
    lazy = ActionCatalogue()
    by_name = {i.full_name.lower(): i for i in eager}
    for kind, pattern in steps:
        if kind == "expand":
            assert lazy.expand(pattern) == _reference_expand(eager, pattern)
        elif kind == "action":
            assert lazy.action(pattern) == by_name.get(pattern.lower())
        elif kind == "level":
            assert lazy.actions_by_access_level("Read") == {
                i.full_name for i in eager if i.access_level == "Read"
            }
        else:
            assert lazy.resource_scoped_actions() == {
                i.full_name for i in eager if i.resource_types
            }


def test_keys_named_by_actions_still_reads_every_record() -> None:
    catalogue = default_catalogue()
    service = catalogue._service("s3")
    assert service is not None
    assert isinstance(service.keys_named_by_actions(), dict)
    assert service._actions is not None
