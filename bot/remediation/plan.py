"""What a remediation is: the Plan an approver approves, the Remediation that makes it (pure).

Each remediation declares its AWS calls, what it changes, how to undo it and the IAM actions the
bot needs for it (a test keeps the shipped bot policy in step), and turns parameters into a
:class:`Plan`. The families (bot/remediation/fixes/, one module each) call :func:`register`;
bot/remediation/registry.py loads them all and answers look-ups. The I/O half (boto3) lives in
bot/aws/remediate.py and is keyed by the same ids.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.approvals.model import Target
from bot.audit.analyzer_view import remediation_for
from bot.audit.findings import Finding
from bot.model.errors import InputError
from bot.model.snapshot import AccountSnapshot, AnalyzerFinding

POLICY_PREFIX = "iam-audit-"
ANALYZER_NAME = "iam-audit-analyzer"
ADMIN_POLICY_NAMES = frozenset({"AdministratorAccess", "IAMFullAccess"})
MFA_POLICY = "mfa-self-service-enforce"
TARGET_KINDS = ("user", "group", "role")
MAX_SIMULATED_MEMBERS = 3
# The audit check that reports each active IAM Access Analyzer finding (bot/audit/checks/analyzer).
ANALYZER_FINDINGS_CHECK = "analyzer.active_findings"


@dataclass(frozen=True, slots=True)
class Plan:
    """One concrete change: target, parameters, the text shown, and how to build its undo."""

    remediation: str
    target: Target
    params: dict[str, Any]
    summary: str
    steps: tuple[str, ...]
    undo: str
    document: dict[str, Any] | None = None
    diff: str = ""
    # The inverse change as {"remediation": id, "params": {...}}; None when AWS cannot undo it.
    undo_change: dict[str, Any] | None = None
    # For the simulated impact: a bot.iam.impact PolicyChange as a dict, when one applies.
    impact_change: dict[str, Any] | None = None
    effect: str = ""  # plain-words effect when the impact engine has nothing to simulate

    @property
    def change(self) -> dict[str, Any]:
        return {"remediation": self.remediation, "params": self.params}


Planner = Callable[[Mapping[str, Any]], Plan]
FindingMatcher = Callable[[Finding, AccountSnapshot | None], "dict[str, Any] | None"]


@dataclass(frozen=True, slots=True)
class Remediation:
    id: str
    title: str
    changes: str
    undo: str
    aws_calls: tuple[str, ...]
    iam_actions: tuple[str, ...]
    planner: Planner
    check_ids: tuple[str, ...] = ()
    # Finding -> parameters of the plan, or None when this remediation does not fit that finding.
    from_finding: FindingMatcher | None = None
    tags: tuple[str, ...] = field(default=())

    def plan(self, params: Mapping[str, Any]) -> Plan:
        return self.planner(params)


REGISTERED: dict[str, Remediation] = {}


def register(remediation: Remediation) -> Remediation:
    if remediation.id in REGISTERED:
        raise ValueError(f"remediation {remediation.id!r} registered twice")
    REGISTERED[remediation.id] = remediation
    return remediation


def text_param(params: Mapping[str, Any], name: str) -> str:
    value = params.get(name)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"missing parameter {name!r}")
    return value.strip()


def target_param(params: Mapping[str, Any]) -> Target:
    kind = text_param(params, "target_kind").lower()
    if kind not in TARGET_KINDS:
        raise InputError(f"target must be a user, group or role, not {kind!r}")
    name = text_param(params, "target_name")
    if not re.fullmatch(r"[\w+=,.@-]{1,128}", name):
        raise InputError(f"{name!r} is not a valid IAM {kind} name")
    return Target(kind, name, str(params.get("target_arn", "")))


def name_from_arn(arn: str) -> str:
    """The last path segment of an IAM ARN (user/path/name -> name), without a #suffix."""
    resource = arn.split(":", 5)[-1].split("#", 1)[0]
    return resource.rsplit("/", 1)[-1]


def kind_from_arn(arn: str) -> str:
    resource = arn.split(":", 5)[-1]
    return resource.split("/", 1)[0]


def managed_policy_name(base: str, document: Mapping[str, Any]) -> str:
    """iam-audit-<base>-<hash8>: same content reuses one policy, other content gets a new one."""
    import hashlib  # noqa: PLC0415 - only here

    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
    safe = re.sub(r"[^\w+=,.@-]", "-", base)[: 128 - len(POLICY_PREFIX) - 9]
    return f"{POLICY_PREFIX}{safe}-{digest}"


def analyzer_remediation(finding: Finding, remediation_id: str) -> dict[str, Any] | None:
    """Parameters of ``remediation_id`` for an ``analyzer.active_findings`` audit finding, using
    the same mapping as `/iam-audit findings` (analyzer_view.remediation_for), or None."""
    evidence = finding.evidence
    key_id = evidence.get("access_key_id")
    item = AnalyzerFinding(
        id=str(evidence.get("finding_id") or ""),
        analyzer_arn=str(evidence.get("analyzer_arn") or ""),
        finding_type=str(evidence.get("finding_type") or ""),
        resource=str(evidence.get("resource") or ""),
        resource_type=finding.resource_type,
        status="ACTIVE",
        region=str(evidence.get("region") or ""),
        details={"access_key_id": key_id} if isinstance(key_id, str) and key_id else {},
    )
    found = remediation_for(item)
    if found is None or found[0] != remediation_id:
        return None
    return found[1]
