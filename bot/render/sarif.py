"""SARIF 2.1.0 report for GitHub code scanning (and any other SARIF viewer).

Choices GitHub's code-scanning upload forces or rewards:
- One rule per check id, declared for every check that ran (not only those that fired), so code
  scanning can tell "ran and found nothing" (and close the alert) from "rule unknown".
- GitHub reads the severity only from ``rules[].properties.security-severity``; it is the worst
  severity this run saw for the check (a config override or a per-finding severity can differ
  from the catalogue default), else the default.
- Code scanning requires a ``physicalLocation``. IAM resources are not files, so by default each
  result points to a stable pseudo-path ``iam/<account>/<resource path from the ARN>``: the alert
  list then reads like the resource list, and two resources never share one location. A caller
  can instead pin every result to a real repository file (``RenderOptions.artifact_uri``, e.g.
  the committed GAAD file). The ARN itself is in ``logicalLocations``.
- ``partialFingerprints`` are a hash of (check id, resource ARN), so the same problem on the same
  resource stays the same alert across runs; ``primaryLocationLineHash`` carries the same value so
  the upload action does not try to hash lines of a file that does not exist.
- Muted findings are not results: GitHub ignores SARIF ``suppressions`` and would open alerts for
  them. They are counted and listed in ``runs[0].properties.suppressed`` instead.
- Checks that errored or were skipped become ``toolExecutionNotifications``.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC
from typing import Any
from urllib.parse import quote

from bot.audit.findings import Finding, Severity
from bot.audit.report import Report
from bot.render.common import Catalogue, RenderOptions, one_line

SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
FINGERPRINT_KEY = "iamAuditFinding/v1"

# GitHub: > 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low.
SECURITY_SEVERITY: dict[Severity, str] = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
LEVEL: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def finding_fingerprint(check_id: str, resource_arn: str) -> str:
    """Stable identity of a (check, resource) pair across runs."""
    text = f"{check_id}\x00{resource_arn}"
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def resource_artifact_uri(account_id: str, resource_arn: str) -> str:
    """``iam/<account>/<resource>``: a relative, percent-encoded pseudo-path for one resource."""
    parts = resource_arn.split(":", 5)
    resource = parts[5] if len(parts) == 6 and parts[5] else resource_arn
    account = account_id or (parts[4] if len(parts) == 6 else "") or "unknown-account"
    path = f"iam/{account}/{resource}".replace("\\", "/")
    segments = [segment for segment in path.split("/") if segment not in ("", ".", "..")]
    # surrogatepass: a lone surrogate in a name (a hostile input file) still makes a URI
    return quote("/".join(segments), safe="/@+=,-_.~", errors="surrogatepass")


def artifact_uri_reference(path: str) -> str:
    """A repository path given by the user (``--sarif-artifact``) as the URI reference SARIF's
    artifactLocation.uri must be: ``docs/iam report.md`` was written with its space, and a
    Windows ``iam\\report.md`` with its backslash, which code-scanning uploads cannot resolve."""
    return quote(
        path.strip().replace("\\", "/"), safe="/:@+=,-_.~%!$&'()*;", errors="surrogatepass"
    )


def render_sarif(
    report: Report, *, catalogue: Catalogue, options: RenderOptions | None = None
) -> str:
    options = options or RenderOptions()
    rule_ids = list(dict.fromkeys([*report.checks, *(f.check_id for f in report.findings)]))
    rule_index = {rule_id: index for index, rule_id in enumerate(rule_ids)}
    worst: dict[str, Severity] = {}
    for finding in report.findings:
        current = worst.get(finding.check_id)
        if current is None or finding.severity.rank > current.rank:
            worst[finding.check_id] = finding.severity

    rules = [_rule(rule_id, catalogue, report, worst.get(rule_id)) for rule_id in rule_ids]
    results = [
        _result(finding, rule_index[finding.check_id], report, options)
        for finding in report.findings
    ]
    notifications = [
        {
            "level": "error",
            "message": {"text": one_line(error.message)},
            **(
                {"descriptor": {"id": error.check_id}}
                if error.check_id
                else {"descriptor": {"id": f"collection/{error.api or 'unknown'}"}}
            ),
            "properties": error.to_dict(),
        }
        for error in report.errors
    ] + [
        {
            "level": "note",
            "message": {"text": f"check skipped: {one_line(skipped.reason)}"},
            "descriptor": {"id": skipped.check_id},
        }
        for skipped in report.skipped
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "iam-audit",
                **({"semanticVersion": report.tool_version} if report.tool_version else {}),
                "rules": rules,
            }
        },
        "automationDetails": {"id": f"iam-audit/{report.account_id}/"},
        "invocations": [
            {
                "executionSuccessful": not report.errors,
                "endTimeUtc": _utc(report),
                "toolExecutionNotifications": notifications,
            }
        ],
        "results": results,
        "properties": {
            "accountId": report.account_id,
            "source": report.source,
            "demoData": report.is_demo,
            "summary": report.summary(),
            "checksRun": list(report.checks),
            "skipped": [{"checkId": s.check_id, "reason": s.reason} for s in report.skipped],
            "suppressed": {
                "count": len(report.suppressed),
                "findings": [
                    {
                        "checkId": s.check_id,
                        "resourceArn": s.resource_arn,
                        "severity": s.severity.value,
                        "reason": s.reason,
                        "expires": s.expires,
                    }
                    for s in report.suppressed
                ],
            },
        },
    }
    log = {"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False, default=str) + "\n"


def _rule(
    rule_id: str, catalogue: Catalogue, report: Report, worst: Severity | None
) -> dict[str, Any]:
    meta = catalogue.get(rule_id)
    sample = next((f for f in report.findings if f.check_id == rule_id), None)
    title = meta.title if meta else (sample.title if sample else rule_id)
    risk = meta.risk if meta else title
    remediation = meta.remediation if meta else (sample.remediation if sample else "")
    default = meta.severity if meta else (worst or Severity.MEDIUM)
    severity = worst or default
    tags = ["security", "iam", rule_id.split(".", 1)[0]]
    if meta:
        tags += [anchor for anchor in meta.anchors if anchor]
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": _pascal_case(rule_id),
        "shortDescription": {"text": one_line(title)},
        "fullDescription": {"text": one_line(risk)},
        "defaultConfiguration": {"level": LEVEL[default]},
        "properties": {
            "tags": list(dict.fromkeys(tags)),
            "precision": "high",
            "security-severity": SECURITY_SEVERITY[severity],
        },
    }
    if remediation:
        rule["help"] = {
            "text": remediation,
            "markdown": f"**Risk.** {risk}\n\n**Fix.** {remediation}",
        }
    if meta and meta.permissions:
        rule["properties"]["permissions"] = list(meta.permissions)
    return rule


def _result(finding: Finding, index: int, report: Report, options: RenderOptions) -> dict[str, Any]:
    uri = (
        artifact_uri_reference(options.artifact_uri)
        if options.artifact_uri
        else resource_artifact_uri(report.account_id, finding.resource_arn)
    )
    fingerprint = finding_fingerprint(finding.check_id, finding.resource_arn)
    detail = one_line(finding.detail or finding.title)
    return {
        "ruleId": finding.check_id,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "message": {"text": f"{detail} (resource: {one_line(finding.resource_arn)})"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {"startLine": 1},
                },
                "logicalLocations": [
                    {
                        "name": _resource_name(finding.resource_arn),
                        "fullyQualifiedName": finding.resource_arn,
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {
            FINGERPRINT_KEY: fingerprint,
            "primaryLocationLineHash": fingerprint,
        },
        "properties": {
            "severity": finding.severity.value,
            "resourceType": finding.resource_type,
            "resourceArn": finding.resource_arn,
            "evidence": finding.evidence,
        },
    }


def _resource_name(resource_arn: str) -> str:
    tail = resource_arn.rsplit(":", 1)[-1]
    return tail.rsplit("/", 1)[-1] or resource_arn


def _pascal_case(check_id: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[._]", check_id) if part)


def _utc(report: Report) -> str:
    return report.generated_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
