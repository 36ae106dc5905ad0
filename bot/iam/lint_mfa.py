"""MFA conditions judged on the requests that carry no MFA, and the MFA lock-out.

Two requests carry no MFA: a call signed with a long-term access key (neither MFA key in the
context) and temporary credentials obtained without MFA (aws:MultiFactorAuthPresent false). A
Deny meant to require MFA should match both, an Allow meant to require it neither;
MFA_CONDITION_PATTERN says which one a statement misses (a Bool-false Deny misses access keys).

MFA_LOCKOUT: the classic "require MFA" policy denies `*` to sessions without MFA, so a user
without MFA cannot create or enable a device, list devices, see themselves or change their
initial password, and can never become compliant. AWS's documented pattern denies with
NotAction and leaves exactly those actions out.
"""

from __future__ import annotations

from bot.iam.catalogue import ActionCatalogue
from bot.iam.conditions import CompiledCondition, parse_operator
from bot.iam.lint_model import MFA_CONDITION_PATTERN, MFA_LOCKOUT, LintFinding, finding
from bot.iam.lint_resources import action_fits_resources
from bot.iam.mfa_requests import (
    LONG_TERM_KEY_FACTS,
    MFA_AGE_KEY,
    MFA_PRESENT_KEY,
    SESSION_WITHOUT_MFA_FACTS,
)
from bot.iam.policy import Condition, Statement
from bot.iam.variables import Context
from bot.model.severity import Severity

MFA_KEY = MFA_PRESENT_KEY
_MFA_KEYS = frozenset({MFA_KEY, MFA_AGE_KEY})

# The two kinds of request that carry no MFA (bot.iam.mfa_requests).
ACCESS_KEY_REQUEST = "access_key"
SESSION_WITHOUT_MFA = "session_without_mfa"
NO_MFA_REQUESTS: dict[str, Context] = {
    ACCESS_KEY_REQUEST: dict(LONG_TERM_KEY_FACTS),
    SESSION_WITHOUT_MFA: dict(SESSION_WITHOUT_MFA_FACTS),
}
# A session authenticated with MFA a moment ago: a Deny that matches it is not about requiring
# MFA, an Allow that matches it as well as sessions without MFA does not tell them apart.
_FRESH_MFA_SESSION: Context = {MFA_KEY: ("true",), MFA_AGE_KEY: ("0",)}

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


def _mfa_conditions(statement: Statement) -> list[Condition]:
    return [c for c in statement.conditions if c.key.lower() in _MFA_KEYS]


def _mfa_conditions_hold(conditions: list[Condition], context: Context) -> bool:
    """Whether every MFA condition of a statement is true for the request (the statement's
    other conditions are taken as satisfiable)."""
    return all(
        CompiledCondition(c.operator, c.key, c.values, variables=False).holds(context)
        for c in conditions
    )


def requests_without_mfa_matched(statement: Statement) -> frozenset[str]:
    """Which requests without MFA (ACCESS_KEY_REQUEST, SESSION_WITHOUT_MFA) the statement's
    MFA conditions match; empty when it has none."""
    conditions = _mfa_conditions(statement)
    if not conditions:
        return frozenset()
    return frozenset(
        kind
        for kind, context in NO_MFA_REQUESTS.items()
        if _mfa_conditions_hold(conditions, context)
    )


def denies_without_mfa(statement: Statement) -> bool:
    """Whether the statement is a Deny that fires for some request made without MFA (a call
    signed with a long-term access key, or temporary credentials obtained without MFA)."""
    return statement.effect == "Deny" and bool(requests_without_mfa_matched(statement))


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
    matched = requests_without_mfa_matched(statement)
    findings = _pattern(statement, matched)
    if statement.effect != "Deny" or SESSION_WITHOUT_MFA not in matched:
        # A Deny that misses temporary credentials obtained without MFA locks no one out: a
        # user without MFA signs in to the console (or calls GetSessionToken, which policies
        # cannot deny) and enrols with those credentials.
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


def _describe(conditions: list[Condition]) -> str:
    return " and ".join(f"{c.operator} {c.key} {'/'.join(c.values)}" for c in conditions)


def _pattern(statement: Statement, matched: frozenset[str]) -> list[LintFinding]:
    """Parliament's BAD_PATTERN_FOR_MFA, judged on the two requests that carry no MFA (IAM User
    Guide, aws:MultiFactorAuthPresent): a Deny should match both, an Allow neither."""
    conditions = _mfa_conditions(statement)
    if not conditions:
        return []
    written = _describe(conditions)
    detail: dict[str, object] = {
        "operator": conditions[0].operator,
        "conditions": written,
        "requests_without_mfa_matched": sorted(matched),
    }
    message = (
        _deny_pattern(conditions, matched, written)
        if statement.effect == "Deny"
        else _allow_pattern(conditions, matched, written)
    )
    if message is None:
        # Among them a Deny on old MFA alone (NumericGreaterThan aws:MultiFactorAuthAge): it
        # misses requests without MFA, but AWS's S3 example pairs it with a Null-age Deny in
        # another statement, which this per-statement rule cannot see; so it is left alone.
        return []
    return [finding(MFA_CONDITION_PATTERN, statement.index, message, detail)]


def _deny_pattern(conditions: list[Condition], matched: frozenset[str], written: str) -> str | None:
    if _mfa_conditions_hold(conditions, _FRESH_MFA_SESSION):
        return None  # it denies MFA-authenticated requests too: not an MFA requirement
    if matched == {SESSION_WITHOUT_MFA}:
        return (
            f"Deny with {written} does not deny requests signed with long-term access keys"
            " (the key is absent there); use BoolIfExists"
        )
    if matched == {ACCESS_KEY_REQUEST}:
        return (
            f"Deny with {written} denies only requests signed with long-term access keys:"
            " temporary credentials obtained without MFA (a console sign-in without MFA,"
            " GetSessionToken without a code) carry aws:MultiFactorAuthPresent false and pass;"
            ' use "BoolIfExists": false to deny both'
        )
    if not matched and _asks_for_mfa(conditions):
        return (
            f"Deny with {written} never denies a request without MFA: long-term access keys"
            " carry no MFA key and sessions without MFA carry no aws:MultiFactorAuthAge, so"
            " the conditions together never hold for them; use BoolIfExists false (and"
            " NumericGreaterThanIfExists for the age) in separate statements"
        )
    return None


def _allow_pattern(
    conditions: list[Condition], matched: frozenset[str], written: str
) -> str | None:
    if matched == {ACCESS_KEY_REQUEST, SESSION_WITHOUT_MFA}:
        return (
            f"Allow with {written} also allows requests without MFA: calls signed with long-term"
            " access keys and temporary credentials obtained without MFA both lack the key;"
            " drop IfExists to require MFA"
        )
    if matched == {ACCESS_KEY_REQUEST}:
        return (
            f"Allow with {written} also allows requests signed with long-term access keys,"
            " which carry no MFA key; use Bool"
        )
    if matched == {SESSION_WITHOUT_MFA}:
        if _mfa_conditions_hold(conditions, _FRESH_MFA_SESSION):
            return (
                f"Allow with {written} allows every request made with temporary credentials,"
                " with or without MFA (it refuses only long-term access keys); to require MFA"
                ' use "Bool": true'
            )
        return (
            f"Allow with {written} matches only temporary credentials obtained without MFA;"
            " requests signed with long-term access keys carry no MFA key at all. To require"
            ' MFA use "Bool": true; to target requests without MFA use BoolIfExists false'
        )
    return None


def _asks_for_mfa(conditions: list[Condition]) -> bool:
    """Whether a condition is written to catch missing MFA: aws:MultiFactorAuthPresent false."""
    return any(
        c.key.lower() == MFA_KEY
        and parse_operator(c.operator).base == "Bool"
        and "false" in {v.lower() for v in c.values}
        for c in conditions
    )
