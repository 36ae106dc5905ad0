"""The GAAD translator's fast paths answer, and refuse, exactly as the code they replace."""

from __future__ import annotations

import types
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.audit import gaad
from bot.model.errors import InputError
from bot.model.iam_names import name_problem
from bot.model.snapshot import AttachedPolicy, parse_aws_time

# --- the replaced code, kept verbatim as the reference -----------------------------------------


def _ref_text(item: Mapping[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise gaad._EntityError(f"{where}: {key} must be a string, got {gaad._json_type(value)}")
    return value


def _ref_attached(item: Mapping[str, Any], where: str) -> tuple[AttachedPolicy, ...]:
    attached = []
    for entry in gaad._list(item, "AttachedManagedPolicies", where):
        if not isinstance(entry, Mapping) or not entry.get("PolicyArn"):
            raise gaad._EntityError(f"{where}: AttachedManagedPolicies entries need a PolicyArn")
        arn = _ref_text(entry, "PolicyArn", f"{where}: AttachedManagedPolicies")
        name = (
            _ref_text(entry, "PolicyName", f"{where}: AttachedManagedPolicies")
            or (arn.rsplit("/", 1)[-1])
        )
        # Added since: the name must be one IAM accepts (bot.model.iam_names).
        problem = name_problem("managed policy", name)
        if problem:
            raise gaad._EntityError(f"{where}: AttachedManagedPolicies: PolicyName {problem}")
        attached.append(AttachedPolicy(name=name, arn=arn))
    return tuple(attached)


def _ref_time(value: Any, where: str) -> datetime | None:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if value is None or isinstance(value, str):
        try:
            return parse_aws_time(value)
        except InputError as exc:
            raise gaad._EntityError(f"{where}: {exc}") from None
    raise gaad._EntityError(f"{where}: a date must be a string, got {gaad._json_type(value)}")


class _Text(str):
    """A str subclass: takes the general path."""


def _outcome(function: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "ok", function(*args)
    except InputError as exc:
        return type(exc).__name__, str(exc)


_SCALARS = st.one_of(
    st.none(),
    st.just(""),
    st.text(max_size=12),
    st.sampled_from(["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::1:policy/p/q"]),
    st.integers(-3, 3),
    st.booleans(),
    st.lists(st.text(max_size=3), max_size=2),
    st.builds(_Text, st.text(min_size=1, max_size=6)),
)


def _field(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(_MISSING), strategy)


_MISSING = object()


@st.composite
def _entries(draw: st.DrawFn) -> Any:
    shape = draw(st.sampled_from(["dict", "proxy", "junk"]))
    if shape == "junk":
        return draw(_SCALARS)
    entry = {}
    for key in ("PolicyArn", "PolicyName"):
        value = draw(_field(_SCALARS))
        if value is not _MISSING:
            entry[key] = value
    return types.MappingProxyType(entry) if shape == "proxy" else entry


@settings(max_examples=1500, deadline=None)
@given(st.lists(_entries(), max_size=4), st.text(max_size=5))
def test_attached_matches_the_reference(entries: list[Any], name: str) -> None:
    item = {"AttachedManagedPolicies": entries}
    where = f"user {name!r}"
    assert _outcome(gaad._attached, item, where) == _outcome(_ref_attached, item, where)


@settings(max_examples=1000, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["Key", "Value", "Other"]), _SCALARS, max_size=3),
    st.sampled_from(["Key", "Value"]),
    st.text(max_size=5),
    st.sampled_from(["", "Tags", "RoleLastUsed", "PermissionsBoundary", "UserPolicyList"]),
)
def test_text_matches_the_reference(item: dict, key: str, where: str, part: str) -> None:
    reference_where = f"{where}: {part}" if part else where
    assert _outcome(gaad._text, item, key, where, part) == _outcome(
        _ref_text, item, key, reference_where
    )


_DATES = st.one_of(
    _SCALARS,
    st.sampled_from(
        [
            "2024-01-02T03:04:05Z",
            "2024-01-02T03:04:05+00:00",
            "2024-01-02 03:04:05+02:00",
            " 2024-01-02T03:04:05Z ",
            "2024-13-02T03:04:05Z",
            "N/A",
            "no_information",
            "not_supported",
            "2024-01-02",
            "x" * 50,
        ]
    ),
    st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=5))])),
    st.floats(allow_nan=False),
)


@settings(max_examples=1000, deadline=None)
@given(_DATES)
def test_time_matches_the_reference(value: Any) -> None:
    assert _outcome(gaad._time, value, "role 'r'") == _outcome(_ref_time, value, "role 'r'")


def test_shared_attachments_are_equal_values() -> None:
    one = gaad._attached({"AttachedManagedPolicies": [{"PolicyArn": "arn:a/p"}]}, "u")
    two = gaad._attached({"AttachedManagedPolicies": [{"PolicyArn": "arn:a/p"}]}, "v")
    assert one == two == (AttachedPolicy(name="p", arn="arn:a/p"),)
    with pytest.raises(AttributeError):
        one[0].name = "q"  # type: ignore[misc]
