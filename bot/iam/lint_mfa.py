"""MFA lock-out: a deny-without-MFA that also denies what a user needs to enrol MFA.

The classic "require MFA" policy denies `*` when `aws:MultiFactorAuthPresent` is false. A user
without MFA then cannot create or enable a device, list devices, see themselves or change their
initial password, so they can never become compliant. AWS's documented pattern denies with
NotAction and leaves exactly those actions out.
"""

from __future__ import annotations

from bot.audit.findings import Severity
from bot.iam.catalogue import ActionCatalogue
from bot.iam.conditions import parse_operator
from bot.iam.lint_model import MFA_CONDITION_PATTERN, MFA_LOCKOUT, LintFinding, finding
from bot.iam.lint_resources import action_fits_resources
from bot.iam.policy import Statement

MFA_KEY = "aws:multifactorauthpresent"

# What a user without MFA must still be allowed to do to set MFA up (console or CLI): see
# themselves, list and create a virtual device, enable and resync it, get a session token after,
# and change the initial password the console forces at first sign-in.
MFA_ENROLMENT_ACTIONS: tuple[str, ...] = (
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
)
# Needed only to set a new password at the first console sign-in when the password must be
# reset (AWS's self-service MFA example says so), not to enrol MFA: a LOW finding on its own.
FIRST_SIGN_IN_ACTION = "iam:ChangePassword"


def denies_without_mfa(statement: Statement) -> bool:
    """Whether the statement is a Deny that fires when the request was not MFA-authenticated."""
    if statement.effect != "Deny":
        return False
    for condition in statement.conditions:
        if condition.key.lower() != MFA_KEY:
            continue
        spec = parse_operator(condition.operator)
        values = {v.lower() for v in condition.values}
        if spec.base == "Bool" and "false" in values:
            return True
        if spec.base == "Null" and "true" in values:
            return True
    return False


def denied_actions(statement: Statement, catalogue: ActionCatalogue) -> frozenset[str]:
    """Every action the statement's Action / NotAction names."""
    if statement.actions is not None:
        return catalogue.expand_all(statement.actions)
    return catalogue.expand_not_action(statement.not_actions or ())


def _covers_resource(statement: Statement, action: str, catalogue: ActionCatalogue) -> bool:
    info = catalogue.action(action)
    if info is None:
        return False
    if statement.resources is not None:
        return action_fits_resources(info, statement.resources)
    if statement.not_resources is not None:
        # A NotResource that can name the user's own resources carves this action out.
        return not action_fits_resources(info, statement.not_resources)
    return True


def lint_mfa_lockout(statement: Statement, catalogue: ActionCatalogue) -> list[LintFinding]:
    findings = _pattern(statement)
    if not denies_without_mfa(statement):
        return findings
    denied = denied_actions(statement, catalogue)

    def blocks(action: str) -> bool:
        return action in denied and _covers_resource(statement, action, catalogue)

    blocked = [action for action in MFA_ENROLMENT_ACTIONS if blocks(action)]
    password = blocks(FIRST_SIGN_IN_ACTION)
    if not blocked and not password:
        return findings
    other_keys = sorted(
        {c.key for c in statement.conditions if c.key.lower() != MFA_KEY}, key=str.lower
    )
    detail = {
        "blocked_actions": blocked + ([FIRST_SIGN_IN_ACTION] if password else []),
        "other_condition_keys": other_keys,
    }
    if blocked:
        message = (
            "denies requests without MFA but also denies "
            + ", ".join(blocked)
            + ", which users need to enrol MFA; list them in NotAction so users can set MFA up"
        )
        if password:
            message += (
                f" (and {FIRST_SIGN_IN_ACTION}, needed to set a new password at the first"
                " console sign-in)"
            )
        findings.append(finding(MFA_LOCKOUT, statement.index, message, detail))
        return findings
    findings.append(
        finding(
            MFA_LOCKOUT,
            statement.index,
            f"denies {FIRST_SIGN_IN_ACTION} without MFA: users whose password must be reset at"
            " their first console sign-in cannot set a new one (MFA enrolment itself is not"
            f" blocked); list {FIRST_SIGN_IN_ACTION} in NotAction if new users must change"
            " their password",
            detail,
            severity=Severity.LOW,
        )
    )
    return findings


def _pattern(statement: Statement) -> list[LintFinding]:
    """Parliament's BAD_PATTERN_FOR_MFA: conditions that miss long-term access keys, whose
    requests carry no aws:MultiFactorAuthPresent at all (IAM User Guide, the key's entry)."""
    for condition in statement.conditions:
        if condition.key.lower() != MFA_KEY:
            continue
        spec = parse_operator(condition.operator)
        values = {v.lower() for v in condition.values}
        if spec.base != "Bool":
            continue
        if statement.effect == "Deny" and not spec.if_exists and values == {"false"}:
            return [
                finding(
                    MFA_CONDITION_PATTERN,
                    statement.index,
                    f"Deny with {condition.operator} aws:MultiFactorAuthPresent false does not"
                    " deny requests signed with long-term access keys (the key is absent"
                    " there); use BoolIfExists",
                    {"operator": condition.operator},
                )
            ]
        if statement.effect == "Allow" and spec.if_exists and values == {"true"}:
            return [
                finding(
                    MFA_CONDITION_PATTERN,
                    statement.index,
                    f"Allow with {condition.operator} aws:MultiFactorAuthPresent true also"
                    " allows requests signed with long-term access keys, which carry no MFA"
                    " key; use Bool",
                    {"operator": condition.operator},
                )
            ]
    return []
