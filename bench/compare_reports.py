"""Compare two iam-audit JSON reports, ignoring what differs between runs of the same audit.

    .venv/bin/python -m bench.compare_reports before.json after.json

Exit 0 when the findings, errors, checks run and skipped are identical (timestamps, the tool
version and run-time figures ignored), 1 with the first differences listed otherwise. This is
how a change to the engine proves that no finding changed on a benchmark account.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

# Keys that legitimately change from one run to the next.
VOLATILE = frozenset({"generated_at", "snapshot_collected_at", "tool_version", "extra"})


def normalised(report: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in report.items() if key not in VOLATILE}


def differences(before: dict[str, Any], after: dict[str, Any], limit: int = 10) -> list[str]:
    found: list[str] = []
    left, right = normalised(before), normalised(after)
    for key in sorted(set(left) | set(right)):
        if left.get(key) == right.get(key):
            continue
        if key == "findings":
            old = {(f["check_id"], f["resource_arn"]): f for f in left.get(key, [])}
            new = {(f["check_id"], f["resource_arn"]): f for f in right.get(key, [])}
            for finding_key in sorted(set(old) | set(new)):
                if old.get(finding_key) != new.get(finding_key):
                    found.append(f"finding {finding_key}: {_field_diff(old, new, finding_key)}")
                    if len(found) >= limit:
                        return found
            if [(f["check_id"], f["resource_arn"]) for f in left[key]] != [
                (f["check_id"], f["resource_arn"]) for f in right[key]
            ]:
                found.append("findings are in a different order")
        else:
            found.append(f"{key}: {str(left.get(key))[:300]} -> {str(right.get(key))[:300]}")
        if len(found) >= limit:
            break
    return found


def _field_diff(old: dict[Any, Any], new: dict[Any, Any], key: Any) -> str:
    """Only the fields that differ, flattened one level into the evidence."""
    before, after = old.get(key), new.get(key)
    if before is None or after is None:
        return "only before" if after is None else "only after"
    parts = []
    for field in sorted(set(before) | set(after)):
        left, right = before.get(field), after.get(field)
        if left == right:
            continue
        if isinstance(left, dict) and isinstance(right, dict):
            for sub in sorted(set(left) | set(right)):
                if left.get(sub) != right.get(sub):
                    parts.append(
                        f"{field}.{sub}: {left.get(sub)!s:.200} -> {right.get(sub)!s:.200}"
                    )
        else:
            parts.append(f"{field}: {left!s:.200} -> {right!s:.200}")
    return "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m bench.compare_reports BEFORE.json AFTER.json", file=sys.stderr)
        return 2
    try:
        before, after = (json.loads(Path(a).read_text(encoding="utf-8")) for a in args)
    except (OSError, ValueError) as exc:
        print(f"cannot read the reports: {exc}", file=sys.stderr)
        return 2
    found = differences(before, after)
    if found:
        print("\n".join(found))
        return 1
    print(f"identical: {len(before.get('findings', []))} findings (timestamps ignored)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
