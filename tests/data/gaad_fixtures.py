"""What the documented-account builders (build_landing_zone_gaad.py, build_eks_platform_gaad.py,
build_data_platform_gaad.py) share: stable IAM ids, moto's copy of the AWS-managed policies,
the credential report's CSV and writing the fixture files.

The builders are scripts (`python tests/data/build_<name>_gaad.py`) and are also loaded by path
from the tests, so they import this module as a sibling (see each builder's import).
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
from collections.abc import Callable, Iterable
from functools import cache
from importlib.metadata import version
from pathlib import Path
from typing import Any

from bot.audit.credential_report import REPORT_COLUMNS

DOCUMENT_VERSION = "2012-10-17"


def _sha(seed: str) -> bytes:
    return hashlib.sha256(seed.encode()).digest()


def unique_id(prefix: str, seed: str) -> str:
    """A stable IAM unique id of the real form: the 4-letter prefix and 17 base32 characters."""
    return prefix + base64.b32encode(_sha(seed)).decode()[:17]


def hex_suffix(seed: str, length: int = 16) -> str:
    return _sha(seed).hex()[:length]


@cache
def moto_managed() -> dict[str, Any]:
    """moto's copy of AWS's managed policies (name -> its record), as the installed moto has it."""
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def aws_time(text: str) -> str:
    return text.replace("+00:00", "Z")


def report_csv(rows: Iterable[list[str]]) -> str:
    """The credential report as `aws iam get-credential-report` returns it, decoded."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


def write_fixtures(render: Callable[[], dict[str, str]], output: Path, moto_version: str) -> None:
    """Write the builder's files, refusing another moto than the one its fixtures were made with
    (the AWS-managed policies' documents come from it)."""
    installed = version("moto")
    if installed != moto_version:
        raise SystemExit(f"moto {installed} installed; update MOTO_VERSION ({moto_version})")
    output.mkdir(exist_ok=True)
    for name, text in render().items():
        (output / name).write_text(text)
