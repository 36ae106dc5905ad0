"""MFA lock-out: a deny-without-MFA that also denies what a user needs to enrol MFA.

The classic "require MFA" policy denies `*` when `aws:MultiFactorAuthPresent` is false. A user
without MFA then cannot create or enable a device, list devices, see themselves or change their
initial password, so they can never become compliant. AWS's documented pattern denies with
NotAction and leaves exactly those actions out.
"""

from __future__ import annotations

from bot.iam.catalogue import ActionCatalogue
from bot.iam.conditions import parse_operator
from bot.iam.lint_model import MFA_LOCKOUT, LintFinding, finding
from bot.iam.lint_resources import action_fits_resources
from bot.iam.policy import Statement

MFA_KEY = "aws:multifactorauthpresent"

# What a user without MFA must still be allowed to do to set MFA up (console or CLI): see
# themselves, list and create a virtual device, enable and resync it, get a session token after,
# and change the initial password the console forces at first sign-in.
MFA_ENROLMENT_ACTIONS: tuple[str, ...] = (
    "iam:ChangePassword",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
)


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
    if not denies_without_mfa(statement):
        return []
    denied = denied_actions(statement, catalogue)
    blocked = [
        action
        for action in MFA_ENROLMENT_ACTIONS
        if action in denied and _covers_resource(statement, action, catalogue)
    ]
    if not blocked:
        return []
    other_keys = sorted(
        {c.key for c in statement.conditions if c.key.lower() != MFA_KEY}, key=str.lower
    )
    return [
        finding(
            MFA_LOCKOUT,
            statement.index,
            "denies requests without MFA but also denies "
            + ", ".join(blocked)
            + ", which users need to enrol MFA; list them in NotAction so users can set MFA up",
            {"blocked_actions": blocked, "other_condition_keys": other_keys},
        )
    ]
