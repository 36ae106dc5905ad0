"""`lint --aws-validate`: IAM Access Analyzer ValidatePolicy findings, merged with the linter's.

AWS's policy checks and ours overlap (an unknown action is found by both); a finding is dropped
as a duplicate when the other side already reports the same issue on the same statement, and the
one kept records what AWS said (``detail["aws"]``) so nothing is lost. When AWS cannot be asked
(no credentials, no network, denied, throttled to the end) the linter's findings stand alone and
``AwsValidation.status`` says ``local-only`` with the reason.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from bot.audit.findings import Severity
from bot.aws.errors import describe_client_error, translate_botocore_error
from bot.iam import lint_model as codes
from bot.iam.lint_model import LintFinding, sort_key
from bot.model.errors import CollectionError

log = logging.getLogger(__name__)

API, ACTION = "ValidatePolicy", "access-analyzer:ValidatePolicy"
SOURCE = "access-analyzer"
CODE_PREFIX = "AWS_"

# Our --type -> (ValidatePolicy policyType, validatePolicyResourceType).
AWS_POLICY_TYPES: dict[str, tuple[str, str | None]] = {
    "identity": ("IDENTITY_POLICY", None),
    "boundary": ("IDENTITY_POLICY", None),  # a boundary is written in identity-policy grammar
    "resource": ("RESOURCE_POLICY", None),
    "trust": ("RESOURCE_POLICY", "AWS::IAM::AssumeRolePolicyDocument"),
    "scp": ("SERVICE_CONTROL_POLICY", None),
}

SEVERITY_BY_FINDING_TYPE: dict[str, Severity] = {
    "ERROR": Severity.HIGH,  # part of the policy does not work
    "SECURITY_WARNING": Severity.HIGH,  # overly permissive access
    "WARNING": Severity.MEDIUM,  # not best practice
    "SUGGESTION": Severity.LOW,  # style: no effect on access
}

# AWS issue codes that report what one of our linter codes reports: the same issue.
SAME_ISSUE: dict[str, str] = {
    "INVALID_ACTION": codes.UNKNOWN_ACTION,
    "INVALID_SERVICE": codes.UNKNOWN_SERVICE,
    "INVALID_SERVICE_IN_ACTION": codes.UNKNOWN_SERVICE,
    "INVALID_GLOBAL_CONDITION_KEY": codes.UNKNOWN_CONDITION_KEY,
    "INVALID_SERVICE_CONDITION_KEY": codes.UNKNOWN_CONDITION_KEY,
    "UNSUPPORTED_GLOBAL_CONDITION_KEY": codes.UNKNOWN_CONDITION_KEY,
    "UNSUPPORTED_SERVICE_CONDITION_KEY": codes.UNKNOWN_CONDITION_KEY,
    "DATA_TYPE_MISMATCH": codes.CONDITION_TYPE_MISMATCH,
    "INVALID_CONDITION_DATA_TYPE": codes.CONDITION_TYPE_MISMATCH,
    "UNSUPPORTED_RESOURCE_ARN_IN_POLICY": codes.RESOURCE_MISMATCH,
    "REDUNDANT_STATEMENT": codes.REDUNDANT_STATEMENT,
    "PASS_ROLE_WITH_STAR_IN_RESOURCE": codes.WILDCARD_SENSITIVE,
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE": codes.WILDCARD_SENSITIVE,
    "WILDCARD_WITH_NOT_ACTION": codes.NOT_ACTION_ALLOW,
    "JSON_SYNTAX_ERROR": codes.MALFORMED,
    "MISSING_ACTION": codes.MALFORMED,
    "MISSING_EFFECT": codes.MALFORMED,
    "MISSING_RESOURCE": codes.MALFORMED,
    "MISSING_PRINCIPAL": codes.MALFORMED,
    "MISSING_STATEMENT": codes.MALFORMED,
    "INVALID_EFFECT": codes.MALFORMED,
    "INVALID_VERSION": codes.MALFORMED,
    "INVALID_POLICY_ELEMENT": codes.MALFORMED,
}

Status = Literal["merged", "local-only"]


@dataclass(frozen=True, slots=True)
class AwsValidation:
    """What AWS said about each document, or why it could not be asked."""

    status: Status
    reason: str = ""
    findings: dict[str, tuple[LintFinding, ...]] = field(default_factory=dict)
    region: str | None = None

    @property
    def merged(self) -> bool:
        return self.status == "merged"

    def describe(self) -> str:
        """One line for the report: which findings the output holds."""
        if self.merged:
            return f"merged with IAM Access Analyzer ValidatePolicy ({self.region})"
        return f"local linter only: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "reason": self.reason or None, "region": self.region}


ClientMaker = Callable[[], Any]


def validate_documents(
    documents: Sequence[tuple[str, str]],
    policy_type: str,
    *,
    make_client: ClientMaker,
) -> AwsValidation:
    """ValidatePolicy for every ``(name, json_text)``; AWS-side failure means local-only.

    Documents that are not JSON are not sent (the linter reports them as MALFORMED already).
    """
    try:
        client = make_client()
    except CollectionError as exc:
        return AwsValidation("local-only", str(exc))
    except BotoCoreError as exc:
        return AwsValidation("local-only", str(translate_botocore_error(exc, api=API)))
    found: dict[str, tuple[LintFinding, ...]] = {}
    for name, text in documents:
        if not _is_json(text):
            found[name] = ()
            continue
        try:
            found[name] = tuple(validate_policy(client, text, policy_type))
        except ClientError as exc:
            reason = describe_client_error(exc, api=API, action=ACTION)
            log.info("ValidatePolicy failed: %s", reason)
            return AwsValidation("local-only", reason)
        except BotoCoreError as exc:
            reason = str(translate_botocore_error(exc, api=API, action=ACTION))
            log.info("ValidatePolicy failed: %s", reason)
            return AwsValidation("local-only", reason)
    return AwsValidation("merged", findings=found, region=client.meta.region_name)


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def validate_policy(client: Any, document: str, policy_type: str) -> list[LintFinding]:
    """Every ValidatePolicy finding for one document (paginated), as LintFindings."""
    if policy_type not in AWS_POLICY_TYPES:
        raise ValueError(f"unknown policy type {policy_type!r}")
    aws_type, resource_type = AWS_POLICY_TYPES[policy_type]
    params: dict[str, Any] = {"policyDocument": document, "policyType": aws_type}
    if resource_type:
        params["validatePolicyResourceType"] = resource_type
    pages = client.get_paginator("validate_policy").paginate(**params)
    return [to_lint_finding(item) for page in pages for item in page.get("findings", [])]


def to_lint_finding(item: dict[str, Any]) -> LintFinding:
    issue = item["issueCode"]
    finding_type = item["findingType"]
    return LintFinding(
        code=CODE_PREFIX + issue,
        severity=SEVERITY_BY_FINDING_TYPE.get(finding_type, Severity.MEDIUM),
        statement=statement_index(item.get("locations") or []),
        message=" ".join(str(item.get("findingDetails", issue)).split()),
        detail={
            "source": SOURCE,
            "issue_code": issue,
            "finding_type": finding_type,
            "learn_more": item.get("learnMoreLink"),
            "paths": [_path_text(loc.get("path") or []) for loc in item.get("locations") or []],
        },
    )


def statement_index(locations: Iterable[dict[str, Any]]) -> int | None:
    """The 0-based statement a finding is about (a lone Statement object is statement 0);
    None when no location points into a statement."""
    for location in locations:
        path = location.get("path") or []
        for position, element in enumerate(path):
            if element.get("value") == "Statement":
                following = path[position + 1] if position + 1 < len(path) else {}
                index = following.get("index")
                return int(index) if index is not None else 0
    return None


def _path_text(path: Iterable[dict[str, Any]]) -> str:
    parts = []
    for element in path:
        if "index" in element:
            parts.append(f"[{element['index']}]")
        else:
            text = element.get("value") or element.get("key") or ""
            parts.append(f".{text}" if parts else str(text))
    return "".join(parts)


def merge_lint_findings(
    local: Sequence[LintFinding], aws: Sequence[LintFinding]
) -> tuple[LintFinding, ...]:
    """The linter's findings plus AWS's, without duplicates (same statement, same issue).

    A local finding that AWS also reports keeps its place and gains ``detail["aws"]``.
    """
    kept_local = list(local)
    extra: list[LintFinding] = []
    for finding in aws:
        issue = finding.detail.get("issue_code", "")
        same = SAME_ISSUE.get(issue)
        twin = next(
            (
                i
                for i, mine in enumerate(kept_local)
                if same is not None and mine.code == same and _same_place(mine, finding, same)
            ),
            None,
        )
        if twin is None:
            if not any(_same_aws(finding, other) for other in extra):
                extra.append(finding)
            continue
        mine = kept_local[twin]
        also = [*mine.detail.get("aws", []), _aws_note(finding)]
        kept_local[twin] = replace(mine, detail={**mine.detail, "aws": also})
    return tuple(sorted([*kept_local, *extra], key=sort_key))


def _same_place(mine: LintFinding, theirs: LintFinding, code: str) -> bool:
    if mine.statement == theirs.statement:
        return True
    # A document that does not parse is one problem, wherever each side pinned it.
    return code == codes.MALFORMED and None in (mine.statement, theirs.statement)


def _same_aws(a: LintFinding, b: LintFinding) -> bool:
    return (a.code, a.statement, a.message) == (b.code, b.statement, b.message)


def _aws_note(finding: LintFinding) -> dict[str, Any]:
    return {
        "issue_code": finding.detail.get("issue_code"),
        "finding_type": finding.detail.get("finding_type"),
        "message": finding.message,
        "learn_more": finding.detail.get("learn_more"),
    }


def session_client_maker(profile: str | None, region: str | None) -> ClientMaker:
    """A ValidatePolicy client from the standard credential chain (adaptive retries)."""

    def make() -> Any:
        from bot.aws.session import DEFAULT_REGION, client_config, make_session  # noqa: PLC0415

        session = make_session(profile=profile, region=region)
        # A lint must not hang when AWS is unreachable: short connect timeout, few attempts.
        config = client_config().merge(
            Config(connect_timeout=3, retries={"mode": "adaptive", "total_max_attempts": 3})
        )
        try:
            return session.client(
                "accessanalyzer",
                region_name=region or session.region_name or DEFAULT_REGION,
                config=config,
            )
        except BotoCoreError as exc:
            raise translate_botocore_error(exc, api=API, action=ACTION) from exc

    return make
