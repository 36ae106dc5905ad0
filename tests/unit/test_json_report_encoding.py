"""The JSON report writes findings with orjson: what it writes must read back as the standard
encoder's output does, for whatever a policy document can hold (the standard encoder is the
reference), and what orjson refuses must still be written."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.audit.findings import Finding, Severity
from bot.audit.report import Report
from bot.render.json_report import _compact, render_json


def _strict_loads(text: str) -> Any:
    """json.loads refusing NaN and Infinity, which are not JSON."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} written into the report")

    return json.loads(text, parse_constant=refuse)


def _report(evidence: dict[str, Any]) -> Report:
    finding = Finding(
        check_id="policy.lint",
        severity=Severity.LOW,
        resource_arn="arn:aws:iam::123456789012:policy/p",
        resource_type="AWS::IAM::Policy",
        title="t",
        detail="d",
        evidence=evidence,
        remediation="r",
    )
    return Report(
        account_id="123456789012",
        generated_at=datetime(2026, 12, 4, 12, tzinfo=UTC),
        source="gaad",
        findings=(finding,),
    )


def _finite(value: Any) -> Any:
    """The reference's reading with NaN and infinities as null (what the report promises)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def test_an_integer_past_64_bits_is_written_exactly() -> None:
    # orjson refuses it; a condition value in a policy document can be one.
    evidence = {"value": 2**70, "negative": -(2**90), "small": 3}
    assert _strict_loads(_compact(evidence)) == evidence


def test_non_finite_numbers_become_null_not_invalid_json() -> None:
    evidence = {"nan": math.nan, "inf": [math.inf, -math.inf], "fine": 1.5}
    assert _strict_loads(_compact(evidence)) == {"nan": None, "inf": [None, None], "fine": 1.5}


def test_a_big_integer_and_a_nan_together() -> None:
    # The fallback (standard encoder) refuses NaN too: both are still written.
    evidence = {"big": 2**70, "nan": [math.nan, {"x": math.inf}]}
    assert _strict_loads(_compact(evidence)) == {"big": 2**70, "nan": [None, {"x": None}]}


def test_whole_report_with_awkward_values_reads_back() -> None:
    evidence = {"big": 2**80, "nan": math.nan, "text": 'é\u2028\t"quoted"', "tuple": (1, 2)}
    data = _strict_loads(render_json(_report(evidence), catalogue={}))
    assert data["findings"][0]["evidence"] == {
        "big": 2**80,
        "nan": None,
        "text": 'é\u2028\t"quoted"',
        "tuple": [1, 2],
    }


def test_each_finding_is_one_line() -> None:
    evidence = {"multi": "line one\nline two\r\nthree", "nested": {"a": ["b\n"]}}
    rendered = _compact(evidence)
    assert "\n" not in rendered
    assert "\r" not in rendered


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES)
def test_reads_back_as_the_standard_encoders_output(value: Any) -> None:
    """The fast path against the reference: the same data once read back, NaN aside."""
    reference = json.dumps(value, ensure_ascii=False)  # text (lone surrogates included)
    ours = _compact(value)
    assert "\n" not in ours
    assert _strict_loads(ours) == _finite(json.loads(reference))
