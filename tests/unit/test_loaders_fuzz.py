"""Property/fuzz tests: whatever the GAAD, snapshot, policy and request loaders are handed, the CLI
ends with 0, 1 or 2 and one line on stderr, never exit 3 (an unexpected error) or a traceback.

Inputs are random JSON (deep, wide, wrong types, huge numbers, lone surrogates, bidi controls)
and random mutations of valid documents, so both the shape checks and the code behind them run.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import cli
from bot.audit.gaad import snapshot_from_gaad
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot

TEXT = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=12
) | st.sampled_from(["", "*", "\ud800", "\u202e", "arn:aws:iam::123456789012:user/x", "true"])
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=False)
    | TEXT
)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=25,
)
USER_KEYS = st.sampled_from(
    [
        "UserName",
        "Arn",
        "Path",
        "UserId",
        "GroupList",
        "PermissionsBoundary",
        "AttachedManagedPolicies",
        "UserPolicyList",
        "Tags",
        "CreateDate",
    ]
)
VALID_USER = {
    "UserName": "alice",
    "Arn": "arn:aws:iam::123456789012:user/alice",
    "UserPolicyList": [
        {
            "PolicyName": "all",
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
            },
        }
    ],
}
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> None:
    code = cli.main(list(argv))
    _out, err = capsys.readouterr()
    assert code in (0, 1, 2), err
    assert "Traceback" not in err
    assert "unexpected" not in err, err
    if code == 2:
        assert len(err.strip().splitlines()) == 1, err


def write_json(value: Any) -> str:
    handle = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8")  # noqa: SIM115
    with handle:
        json.dump(value, handle)  # ensure_ascii: surrogates travel as \\ud800 escapes
    return handle.name


@FUZZ
@given(doc=JSON)
def test_any_json_as_a_gaad_file(capsys: pytest.CaptureFixture[str], doc: Any) -> None:
    path = write_json(doc)
    try:
        run_cli(capsys, "audit", "--gaad", path)
    finally:
        Path(path).unlink()


@FUZZ
@given(key=USER_KEYS, value=JSON)
def test_a_valid_gaad_with_one_field_replaced(
    capsys: pytest.CaptureFixture[str], key: str, value: Any
) -> None:
    user = {**VALID_USER, key: value}
    path = write_json({"UserDetailList": [user], "Policies": []})
    try:
        run_cli(capsys, "audit", "--gaad", path, "-f", "json")
    finally:
        Path(path).unlink()


@FUZZ
@given(key=USER_KEYS, value=JSON)
def test_the_gaad_loader_refuses_with_input_error_only(key: str, value: Any) -> None:
    from datetime import UTC, datetime

    user = {**VALID_USER, key: value}
    with contextlib.suppress(InputError):
        snapshot_from_gaad({"UserDetailList": [user]}, now=datetime(2026, 12, 1, tzinfo=UTC))


@pytest.fixture(scope="module")
def demo_snapshot_dict() -> dict[str, Any]:
    from datetime import UTC, datetime

    from bot.aws.demo import build_demo_snapshot

    return build_demo_snapshot(now=datetime(2026, 12, 1, tzinfo=UTC)).to_dict()


SNAPSHOT_FIELDS = st.sampled_from(
    [
        "account_id",
        "source",
        "collected_at",
        "users",
        "roles",
        "policies",
        "collection_issues",
        "credential_report",
        "password_policy",
        "account_summary",
    ]
)


@FUZZ
@given(field=SNAPSHOT_FIELDS, value=JSON)
def test_a_snapshot_with_one_field_replaced(
    capsys: pytest.CaptureFixture[str], demo_snapshot_dict: dict[str, Any], field: str, value: Any
) -> None:
    """Refused with InputError, or accepted and then audited without an unexpected error."""
    data = {**demo_snapshot_dict, field: value}
    with contextlib.suppress(InputError):
        AccountSnapshot.from_dict(data)
    path = write_json(data)
    try:
        run_cli(capsys, "audit", "--snapshot", path, "-f", "sarif")
    finally:
        Path(path).unlink()


@FUZZ
@given(doc=JSON)
def test_any_json_as_a_policy_to_lint_and_a_request_to_simulate(
    capsys: pytest.CaptureFixture[str], doc: Any
) -> None:
    path = write_json(doc)
    try:
        run_cli(capsys, "lint", path)
        run_cli(capsys, "simulate", "--request", path)
    finally:
        Path(path).unlink()
