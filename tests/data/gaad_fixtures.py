"""What the documented-account builders (build_landing_zone_gaad.py, build_eks_platform_gaad.py,
build_data_platform_gaad.py, build_small_company_gaad.py) share: stable IAM ids, moto's copy of
the AWS-managed policies, the credential report's CSV and writing the fixture files.

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


def role_entry(
    account: str,
    name: str,
    trust_policy: dict[str, Any],
    *,
    created: str,
    path: str = "/",
    attached: Iterable[tuple[str, str]] = (),
    inline: dict[str, dict[str, Any]] | None = None,
    last_used: str | None = None,
    region: str = "",
    instance_profile: bool = False,
    tags: dict[str, str] | None = None,
    description: str = "",
) -> dict[str, Any]:
    """A RoleDetailList entry as GAAD returns it (``attached``: policy name and ARN pairs)."""
    entry: dict[str, Any] = {
        "Path": path,
        "RoleName": name,
        "RoleId": unique_id("AROA", name),
        "Arn": f"arn:aws:iam::{account}:role{path}{name}",
        "CreateDate": created,
        "AssumeRolePolicyDocument": trust_policy,
        "InstanceProfileList": [],
        "RolePolicyList": [
            {"PolicyName": policy_name, "PolicyDocument": document}
            for policy_name, document in (inline or {}).items()
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": policy, "PolicyArn": arn} for policy, arn in attached
        ],
        "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        "RoleLastUsed": {"LastUsedDate": last_used, "Region": region} if last_used else {},
    }
    if description:
        entry["Description"] = description
    if instance_profile:
        entry["InstanceProfileList"] = [
            {
                "Path": "/",
                "InstanceProfileName": name,
                "InstanceProfileId": unique_id("AIPA", name),
                "Arn": f"arn:aws:iam::{account}:instance-profile/{name}",
                "CreateDate": created,
                "Roles": [{k: entry[k] for k in ("Path", "RoleName", "RoleId", "Arn")}],
            }
        ]
    return entry


def attachment_counts(entities: Iterable[dict[str, Any]], key: str) -> dict[str, int]:
    """How many of the entities attach each managed policy (by ``key``: PolicyName or Arn)."""
    counts: dict[str, int] = {}
    for entity in entities:
        for attached in entity["AttachedManagedPolicies"]:
            counts[attached[key]] = counts.get(attached[key], 0) + 1
    return counts


def aws_managed_version(name: str) -> tuple[str, dict[str, Any], str, str, str]:
    """(path, document, default version id, created, updated) of an AWS-managed policy."""
    policy = moto_managed()[name]
    created, updated = aws_time(policy["CreateDate"]), aws_time(policy["UpdateDate"])
    return policy["Path"], policy["Document"], policy["DefaultVersionId"], created, updated


def policy_entry(
    name: str,
    arn: str,
    *,
    policy_id: str,
    version: tuple[str, dict[str, Any], str, str, str],
    attachments: int,
) -> dict[str, Any]:
    """A Policies entry as GAAD lists it, with its one (default) version; ``version`` as
    :func:`aws_managed_version` gives it."""
    path, document, version_id, created, updated = version
    return {
        "PolicyName": name,
        "PolicyId": policy_id,
        "Arn": arn,
        "Path": path,
        "DefaultVersionId": version_id,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": not path.startswith("/aws-service-role/"),
        "CreateDate": created,
        "UpdateDate": updated,
        "PolicyVersionList": [
            {
                "Document": document,
                "VersionId": version_id,
                "IsDefaultVersion": True,
                "CreateDate": updated,
            }
        ],
    }
