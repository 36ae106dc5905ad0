"""What the linter reports: stable codes, their default severities, and the finding record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.model.severity import Severity

PolicyType = Literal["identity", "resource", "trust", "scp", "boundary"]
POLICY_TYPES: tuple[str, ...] = ("identity", "resource", "trust", "scp", "boundary")

MALFORMED = "MALFORMED"
UNKNOWN_SERVICE = "UNKNOWN_SERVICE"
UNKNOWN_ACTION = "UNKNOWN_ACTION"
RESOURCE_MISMATCH = "RESOURCE_MISMATCH"
UNKNOWN_CONDITION_KEY = "UNKNOWN_CONDITION_KEY"
CONDITION_TYPE_MISMATCH = "CONDITION_TYPE_MISMATCH"
NOT_ACTION_ALLOW = "NOT_ACTION_ALLOW"
WILDCARD_SENSITIVE = "WILDCARD_SENSITIVE"
REDUNDANT_STATEMENT = "REDUNDANT_STATEMENT"
MFA_LOCKOUT = "MFA_LOCKOUT"
# Access Analyzer's offline-decidable checks and Parliament's finding types (README maps each).
MISSING_VERSION = "MISSING_VERSION"
POLICY_SIZE = "POLICY_SIZE"
INVALID_SID = "INVALID_SID"
DUPLICATE_SID = "DUPLICATE_SID"
EMPTY_ELEMENT = "EMPTY_ELEMENT"
CONDITION_KEY_UNSUPPORTED = "CONDITION_KEY_UNSUPPORTED"
TAG_KEY_UNSUPPORTED = "TAG_KEY_UNSUPPORTED"
INVALID_POLICY_VARIABLE = "INVALID_POLICY_VARIABLE"
INVALID_ARN = "INVALID_ARN"
CONDITION_KEY_CASE = "CONDITION_KEY_CASE"
CONDITION_MULTIPLE_BOOLEAN = "CONDITION_MULTIPLE_BOOLEAN"
CONDITION_VALUE = "CONDITION_VALUE"
WILDCARD_WITHOUT_LIKE = "WILDCARD_WITHOUT_LIKE"
PRIVATE_SOURCE_IP = "PRIVATE_SOURCE_IP"
MISSING_PAIRED_KEY = "MISSING_PAIRED_KEY"
MFA_CONDITION_PATTERN = "MFA_CONDITION_PATTERN"
REDUNDANT_ACTION = "REDUNDANT_ACTION"
REDUNDANT_RESOURCE = "REDUNDANT_RESOURCE"
REDUNDANT_CONDITION_VALUE = "REDUNDANT_CONDITION_VALUE"
PASS_ROLE_WILDCARD = "PASS_ROLE_WILDCARD"
CREATE_SLR_WILDCARD = "CREATE_SLR_WILDCARD"
ALLOW_NOT_PRINCIPAL = "ALLOW_NOT_PRINCIPAL"
ALLOW_NOT_RESOURCE = "ALLOW_NOT_RESOURCE"
INVALID_PRINCIPAL = "INVALID_PRINCIPAL"
PUBLIC_PRINCIPAL = "PUBLIC_PRINCIPAL"
REDUNDANT_PRINCIPAL = "REDUNDANT_PRINCIPAL"
TRUST_ACTION_MISMATCH = "TRUST_ACTION_MISMATCH"
OIDC_MISSING_AUDIENCE = "OIDC_MISSING_AUDIENCE"
OIDC_MISSING_SUBJECT = "OIDC_MISSING_SUBJECT"
CONFUSED_DEPUTY = "CONFUSED_DEPUTY"
UNSUPPORTED_FOR_RESOURCE_TYPE = "UNSUPPORTED_FOR_RESOURCE_TYPE"
PRIVILEGE_ESCALATION = "PRIVILEGE_ESCALATION"
CREDENTIALS_EXPOSURE = "CREDENTIALS_EXPOSURE"
PERMISSIONS_MANAGEMENT = "PERMISSIONS_MANAGEMENT"
RESOURCE_POLICY_ESCALATION = "RESOURCE_POLICY_ESCALATION"
SENSITIVE_ACCESS = "SENSITIVE_ACCESS"

# Code -> (default severity, one line on why it matters). Rules may lower or raise a severity
# for a particular finding (a condition that scopes a wildcard, an advisory-only type issue).
CODES: dict[str, tuple[Severity, str]] = {
    MALFORMED: (Severity.HIGH, "IAM rejects the document, or ignores part of it"),
    UNKNOWN_SERVICE: (Severity.MEDIUM, "the action names a service AWS does not have"),
    UNKNOWN_ACTION: (Severity.MEDIUM, "the action does not exist, so it grants or denies nothing"),
    RESOURCE_MISMATCH: (
        Severity.MEDIUM,
        "the action never applies to the Resource given, so the statement does not do its job",
    ),
    UNKNOWN_CONDITION_KEY: (
        Severity.MEDIUM,
        "the condition key is never present, so the condition never matches as intended",
    ),
    CONDITION_TYPE_MISMATCH: (
        Severity.MEDIUM,
        "the operator or value does not fit the key's type or use (StringLike on an ARN key,"
        " a negated s3:prefix glob, ForAnyValue on an audience), so the condition misbehaves",
    ),
    NOT_ACTION_ALLOW: (
        Severity.MEDIUM,
        "Allow with NotAction grants every other action, including ones AWS adds later",
    ),
    WILDCARD_SENSITIVE: (
        Severity.MEDIUM,
        "write or permissions-management actions are granted on every resource",
    ),
    REDUNDANT_STATEMENT: (
        Severity.LOW,
        "the statement adds nothing another statement grants, or its conditions never match",
    ),
    MFA_LOCKOUT: (
        Severity.HIGH,
        "users without MFA are also denied what they need to set MFA up, so they are locked out",
    ),
    MISSING_VERSION: (
        Severity.LOW,
        "without Version IAM applies 2008-10-17 rules: policy variables are literal text",
    ),
    POLICY_SIZE: (Severity.HIGH, "IAM or the service rejects a policy over its size quota"),
    INVALID_SID: (Severity.HIGH, "IAM accepts only A-Z, a-z and 0-9 in a Sid"),
    DUPLICATE_SID: (Severity.HIGH, "statement IDs must be unique in this type of policy"),
    EMPTY_ELEMENT: (
        Severity.LOW,
        "an empty Sid, Condition or value list does nothing, or not what it seems to do",
    ),
    CONDITION_KEY_UNSUPPORTED: (
        Severity.MEDIUM,
        "the statement's actions (all, or some it names) do not carry the key, or the key is"
        " one a caller can forge, so the condition does not apply as meant",
    ),
    TAG_KEY_UNSUPPORTED: (
        Severity.LOW,
        "a tag condition key that some services' actions do not support: they are never matched",
    ),
    INVALID_POLICY_VARIABLE: (
        Severity.MEDIUM,
        "a malformed or misplaced policy variable is literal text or rejected",
    ),
    INVALID_ARN: (Severity.MEDIUM, "the Resource ARN can never name a real resource"),
    CONDITION_KEY_CASE: (
        Severity.HIGH,
        "the same key twice in one block, differing only in case (keys are case-insensitive)",
    ),
    CONDITION_MULTIPLE_BOOLEAN: (
        Severity.MEDIUM,
        "a Bool condition with both true and false always matches when the key is present",
    ),
    CONDITION_VALUE: (
        Severity.LOW,
        "a condition value that cannot match what AWS puts in the request",
    ),
    WILDCARD_WITHOUT_LIKE: (
        Severity.LOW,
        "* and ? are literal characters for the Equals operators; use a Like operator",
    ),
    PRIVATE_SOURCE_IP: (
        Severity.MEDIUM,
        "aws:SourceIp holds only public addresses: private ranges there never match",
    ),
    MISSING_PAIRED_KEY: (
        Severity.MEDIUM,
        "the condition key is only safe together with its paired key or value",
    ),
    MFA_CONDITION_PATTERN: (
        Severity.MEDIUM,
        "the MFA condition misses requests signed with long-term access keys",
    ),
    REDUNDANT_ACTION: (Severity.LOW, "the action is already covered by another in the list"),
    REDUNDANT_RESOURCE: (Severity.LOW, "the resource is already covered by another in the list"),
    REDUNDANT_CONDITION_VALUE: (
        Severity.LOW,
        "values that change nothing: bounds where the loosest decides, a test any value"
        " passes, a wildcard that only says the key is present",
    ),
    PASS_ROLE_WILDCARD: (
        Severity.MEDIUM,
        "iam:PassRole on any role lets the holder hand any role to a service",
    ),
    CREATE_SLR_WILDCARD: (
        Severity.LOW,
        "iam:CreateServiceLinkedRole for every service creates roles nobody intended",
    ),
    ALLOW_NOT_PRINCIPAL: (
        Severity.HIGH,
        "Allow with NotPrincipal grants everyone else, anonymous users included",
    ),
    ALLOW_NOT_RESOURCE: (
        Severity.MEDIUM,
        "Allow with NotResource grants every other resource, including ones created later",
    ),
    INVALID_PRINCIPAL: (Severity.HIGH, "the Principal is not a form IAM accepts"),
    PUBLIC_PRINCIPAL: (Severity.HIGH, "the statement applies to anyone, in any AWS account"),
    REDUNDANT_PRINCIPAL: (
        Severity.LOW,
        "a role session listed beside its own role: the role already matches every session",
    ),
    TRUST_ACTION_MISMATCH: (
        Severity.MEDIUM,
        "the trust statement lacks an action its principal type or its session-tag / source"
        " identity conditions need, so the role cannot be assumed as written",
    ),
    OIDC_MISSING_AUDIENCE: (
        Severity.MEDIUM,
        "a web identity trust without an audience condition trusts tokens minted for other apps",
    ),
    OIDC_MISSING_SUBJECT: (
        Severity.HIGH,
        "a GitHub Actions trust without a repository subject lets any GitHub repository assume",
    ),
    CONFUSED_DEPUTY: (
        Severity.LOW,
        "a service principal without aws:SourceArn/SourceAccount/SourceOrgID/SourceOrgPaths"
        " can act for other accounts",
    ),
    UNSUPPORTED_FOR_RESOURCE_TYPE: (
        Severity.HIGH,
        "the resource policy names actions, resources or condition keys its resource type"
        " cannot have or use",
    ),
    PRIVILEGE_ESCALATION: (
        Severity.HIGH,
        "the policy grants a known privilege-escalation method (the engine's catalogue)",
    ),
    CREDENTIALS_EXPOSURE: (
        Severity.LOW,
        "the policy allows API calls that return credentials or tokens",
    ),
    PERMISSIONS_MANAGEMENT: (
        Severity.LOW,
        "the policy allows changing who has access (IAM, RAM, resource policies)",
    ),
    RESOURCE_POLICY_ESCALATION: (
        Severity.MEDIUM,
        "the policy withholds actions yet lets its holder rewrite resource policies or ACLs",
    ),
    SENSITIVE_ACCESS: (
        Severity.HIGH,
        "the policy allows an action you named sensitive on a resource you named sensitive",
    ),
}


@dataclass(frozen=True, slots=True)
class LintFinding:
    """One problem in one policy; `statement` is the 0-based index, None for the whole document."""

    code: str
    severity: Severity
    statement: int | None
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "statement": self.statement,
            "message": self.message,
            "detail": self.detail,
        }


def finding(
    code: str,
    statement: int | None,
    message: str,
    detail: dict[str, Any] | None = None,
    *,
    severity: Severity | None = None,
) -> LintFinding:
    """A finding with its code's default severity unless the rule chose another."""
    return LintFinding(code, severity or CODES[code][0], statement, message, detail or {})


def sort_key(item: LintFinding) -> tuple[int, int, str, str]:
    """Document-level first, then by statement; worst first within a statement."""
    index = -1 if item.statement is None else item.statement
    return (index, -item.severity.rank, item.code, item.message)
