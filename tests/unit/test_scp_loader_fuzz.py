"""Fuzz: whatever JSON an SCP file (or an organization's policy text) holds, the loader answers
with levels or one InputError, and the ceiling built from any documents never raises: nothing a
file can hold ends in a traceback."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.iam.scp_ceiling import scp_ceiling
from bot.iam.scp_file import scp_levels_from_json
from bot.model.errors import InputError
from bot.model.snapshot import ServiceControlPolicy
from tests.factories import snapshot

_KEYS = ("Version", "Statement", "Effect", "Action", "NotAction", "Resource", "NotResource")
_KEYS += ("Condition", "levels", "management_account", "name", "id", "target", "document")
_VALUES = ("Allow", "Deny", "*", "s3:*", "iam:CreateUser", "2012-10-17", "arn:aws:s3:::b/*")
_json: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(_VALUES) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)
_FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(_json)
def test_any_json_is_levels_or_one_clear_error(data: Any) -> None:
    try:
        levels, management = scp_levels_from_json(data)
    except InputError as exc:
        message = str(exc)
    else:
        message = ""
        assert management in (None, True, False)
    if message:
        assert message.startswith("SCP file")
        return
    assert all(isinstance(p, ServiceControlPolicy) for level in levels for p in level)


@_FUZZ
@given(_json)
def test_policy_text_of_any_json_is_levels_or_one_clear_error(data: Any) -> None:
    """The describe-policy Content form: the document as JSON text."""
    message = ""
    try:
        scp_levels_from_json([[{"name": "fuzzed", "document": json.dumps(data)}]])
    except InputError as exc:
        message = str(exc)
    assert not message or "level 0 entry 1" in message


@_FUZZ
@given(st.lists(st.lists(_json, max_size=3), max_size=4))
def test_the_ceiling_of_any_documents_never_raises(documents: list[list[Any]]) -> None:
    levels = tuple(
        tuple(ServiceControlPolicy(f"p{i}", doc, f"p-{i}", "r-1") for i, doc in enumerate(level))
        for level in documents
    )
    ceiling = scp_ceiling(snapshot(service_control_policies=levels))
    assert ceiling.known
    assert all(source.kind == "scp" for source in ceiling.sources)
    assert all(isinstance(note, str) for note in ceiling.not_applied)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(_json, max_size=3), min_size=1, max_size=3))
def test_an_audit_under_any_scps_runs_without_an_error(documents: list[list[Any]]) -> None:
    """The principal checks under fuzzed SCPs (a malformed statement is left out, listed as
    not applied): no check ends in an error."""
    from tests.factories import allow, audit, inline, user

    levels = tuple(
        tuple(ServiceControlPolicy(f"p{i}", doc, f"p-{i}", "r-1") for i, doc in enumerate(level))
        for level in documents
    )
    snap = snapshot(
        users=[
            user("admin", inline_policies=[inline("a", allow("*"))]),
            user("dev", inline_policies=[inline("k", allow(["iam:CreateAccessKey", "s3:*"]))]),
        ],
        service_control_policies=levels,
    )
    report = audit(
        snap,
        only=[
            "principal.admin_equivalent",
            "principal.privilege_escalation",
            "principal.credentials_exposure",
            "principal.data_exfiltration",
        ],
    )
    assert report.errors == ()
    assert report.extra["service_control_policies"]["known"] is True
