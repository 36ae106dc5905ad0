"""parse_policy's reader of well-formed statements builds what the checked reader builds, and a
document parses (or is refused, with the same reasons) as with the checked reader alone."""

from __future__ import annotations

from typing import Any
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.iam import policy as policy_module
from bot.iam.policy import PolicyParseError, _checked_statement, _well_formed, parse_policy

_ACTIONS = st.sampled_from(
    [
        "*",
        "s3:GetObject",
        "s3:*",
        "iam:Pass*",
        "s3:",
        ":Get",
        "s3:a:b",
        "s3",
        "",
        "ec2:Run?",
        "s3:${aws:username}",
    ]
)
_RESOURCES = st.sampled_from(["*", "arn:aws:s3:::b/*", "arn:", "bucket", "", "ARN:aws"])
_STRINGISH = st.one_of(st.none(), st.integers(), st.booleans(), st.just([]), st.just({}))


def _one_or_list(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        values,
        st.lists(values, max_size=4),
        st.lists(st.one_of(values, _STRINGISH), min_size=1, max_size=3),
        _STRINGISH,
    )


_CONDITIONS = st.one_of(
    st.none(),
    st.just("x"),
    st.dictionaries(
        st.sampled_from(["StringEquals", "Bool", "NoSuchOperator", "ForAnyValue:StringLike"]),
        st.one_of(
            st.dictionaries(
                st.sampled_from(["aws:MultiFactorAuthPresent", "s3:prefix"]),
                _one_or_list(st.sampled_from(["true", "a*"]) | st.integers() | st.booleans()),
                max_size=2,
            ),
            st.just({}),
            st.just("x"),
        ),
        max_size=2,
    ),
)

_STATEMENT = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.one_of(st.sampled_from(["", "A", "B"]), st.integers()),
        "Effect": st.sampled_from(["Allow", "Deny", "allow", 1]),
        "Action": _one_or_list(_ACTIONS),
        "NotAction": _one_or_list(_ACTIONS),
        "Resource": _one_or_list(_RESOURCES),
        "NotResource": _one_or_list(_RESOURCES),
        "Condition": _CONDITIONS,
        "Principal": st.sampled_from(["*", {"AWS": "arn:aws:iam::1:root"}]),
        "Bogus": st.just(1),
    },
)


@settings(max_examples=1500, deadline=None)
@given(raw=_STATEMENT, index=st.integers(min_value=0, max_value=3))
def test_well_formed_reader_builds_the_checked_statement(raw: dict[str, Any], index: int) -> None:
    problems: list[tuple[int | None, str]] = []
    checked = _checked_statement(index, raw, problems)
    fast = _well_formed(index, raw)
    if fast is not None:
        assert not problems
        assert fast == checked
    elif not problems and "Principal" not in raw:
        raise AssertionError(f"a well-formed statement left to the checked reader: {raw!r}")


def _outcome(document: dict[str, Any]) -> Any:
    try:
        return parse_policy(document, name="p")
    except PolicyParseError as exc:
        return (exc.reasons, exc.problems)


@settings(max_examples=500, deadline=None)
@given(statements=st.lists(_STATEMENT, max_size=4), version=st.sampled_from(["2012-10-17", ""]))
def test_documents_parse_as_with_the_checked_reader_alone(
    statements: list[dict[str, Any]], version: str
) -> None:
    document: dict[str, Any] = {"Statement": statements}
    if version:
        document["Version"] = version
    with mock.patch.object(policy_module, "_well_formed", return_value=None):
        expected = _outcome(document)
    assert _outcome(document) == expected
    assert _outcome(document) == expected  # the second time through the valid-action memo
