"""MFA lock-out: a deny-without-MFA that also denies what a user needs to enrol MFA.

The classic "require MFA" policy denies `*` when `aws:MultiFactorAuthPresent` is false. A user
without MFA then cannot create or enable a device, list devices, see themselves or change their
initial password, so they can never become compliant. AWS's documented pattern denies with
NotAction and leaves exactly those actions out.
"""

from __future__ import annotations

from bot.iam.catalogue import ActionCatalogue
from bot.iam.conditions import parse_operator
from bot.iam.lint_model import MFA_CONDITION_PATTERN, MFA_LOCKOUT, LintFinding, finding
from bot.iam.lint_resources import action_fits_resources
from bot.iam.policy import Statement
from bot.model.severity import Severity

MFA_KEY = "aws:multifactorauthpresent"

# What a user without MFA must still be allowed to do, by what breaks when it is denied (AWS's
# self-service MFA examples in the IAM User Guide): creating and enabling the device is the
# enrolment itself (HIGH when denied); the console's Security credentials page also needs to see
# the user and list devices; iam:ChangePassword is needed only to reset a password while signing
# in (new users, expired passwords), which AWS's example deliberately leaves out.
# sts:GetSessionToken is not among them although AWS's example lists it: "No permissions are
# required for a user to get a session token ... You cannot use policies to control
# authentication operations" (IAM User Guide, "Permissions for GetSessionToken"), so denying it
# blocks nothing (bot.iam.fixed_rules; the evaluator and simulate say the same).
ENROLMENT_ACTIONS: tuple[str, ...] = ("iam:CreateVirtualMFADevice", "iam:EnableMFADevice")
CONSOLE_ACTIONS: tuple[str, ...] = (
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
)
FIRST_SIGN_IN_ACTION = "iam:ChangePassword"
MFA_ENROLMENT_ACTIONS: tuple[str, ...] = ENROLMENT_ACTIONS + CONSOLE_ACTIONS


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

    def blocked(actions: tuple[str, ...]) -> list[str]:
        return [a for a in actions if a in denied and _covers_resource(statement, a, catalogue)]

    enrolment, console = blocked(ENROLMENT_ACTIONS), blocked(CONSOLE_ACTIONS)
    password = blocked((FIRST_SIGN_IN_ACTION,))
    everything = enrolment + console + password
    if not everything:
        return findings
    other_keys = sorted(
        {c.key for c in statement.conditions if c.key.lower() != MFA_KEY}, key=str.lower
    )
    detail = {"blocked_actions": everything, "other_condition_keys": other_keys}
    consequences: list[str] = []
    if console:
        consequences.append(
            f"{', '.join(console)} (the console's Security credentials page needs them to show"
            " and set up the device; the CLI can still enrol)"
        )
    if password:
        consequences.append(
            f"{FIRST_SIGN_IN_ACTION} (needed only to reset a password while signing in: new users"
            " and expired passwords; AWS's example leaves it out on purpose, since changing a"
            " password without MFA is a risk)"
        )
    if enrolment:
        message = (
            "denies requests without MFA but also denies "
            + ", ".join(enrolment)
            + ", which users need to enrol MFA, so they are locked out; list them in NotAction"
        )
        if consequences:
            message += "; it also denies " + "; ".join(consequences)
        findings.append(finding(MFA_LOCKOUT, statement.index, message, detail))
        return findings
    findings.append(
        finding(
            MFA_LOCKOUT,
            statement.index,
            "MFA enrolment itself is not blocked, but without MFA this also denies "
            + "; ".join(consequences)
            + "; list in NotAction the ones your users need",
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
        if statement.effect == "Allow" and not spec.if_exists and values == {"false"}:
            return [
                finding(
                    MFA_CONDITION_PATTERN,
                    statement.index,
                    f"Allow with {condition.operator} aws:MultiFactorAuthPresent false matches"
                    " only temporary credentials obtained without MFA; requests signed with"
                    " long-term access keys carry no MFA key at all. To require MFA use"
                    ' "Bool": true; to target requests without MFA use BoolIfExists false',
                    {"operator": condition.operator},
                )
            ]
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
